"""The local cloud's account: one APPID, a permanent key pair, a temporary (STS-style) one, and one
temporary key per function holding that function's CAM policy from deploy/policies/ (as each SCF function
gets its own execution role's keys).

Tests and `make dev` use these; the emulators accept exactly these keys, as Tencent accepts only
the account's own."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

POLICIES = Path(__file__).resolve().parent.parent / "deploy" / "policies"

APPID = "1250000000"
REGIONS = ("ap-singapore", "ap-bangkok", "ap-hongkong", "ap-jakarta")


@dataclass(frozen=True)
class KeyPair:
    secret_id: str
    secret_key: str
    token: str | None = None
    policy: Mapping[str, Any] | None = None  # CAM policy document; None: the account's own key (all rights)


PERMANENT = KeyPair("AKIDlocalcloudPermanent000000000000", "localcloudPermanentSecretKey00000")
TEMPORARY = KeyPair(
    "AKIDlocalcloudTemporary000000000000",
    "localcloudTemporarySecretKey00000",
    token="localcloud-session-token-7f3a9c",
)
KEYS = (PERMANENT, TEMPORARY)


def app_bucket(region: str) -> str:
    """The relay's own bucket in a region (what a deployment's RELAY_BUCKET names)."""
    return f"faceid-relay-{region.removeprefix('ap-')}-{APPID}"


def function_policy(function: str, region: str) -> dict[str, Any]:
    """deploy/policies/<function>.json filled in for this region's bucket, as `envsubst` fills it."""
    text = Template((POLICIES / f"{function}.json").read_text()).substitute(
        REGION=region, RELAY_APPID=APPID, RELAY_BUCKET=app_bucket(region)
    )
    policy: dict[str, Any] = json.loads(text)
    return policy


def function_key(function: str, region: str) -> KeyPair:
    """The temporary key a function's own role gives it in `region`."""
    return KeyPair(
        f"AKIDlocalcloud{function.replace('_', '')}",
        f"localcloudSecretKey{function.replace('_', '')}",
        token=f"localcloud-session-token-{function.replace('_', '-')}",
        policy=function_policy(function, region),
    )


def sub_user_key(function: str, region: str) -> KeyPair:
    """The permanent key of the CAM sub-user a Lambda function is given instead (template.yaml: one per
    function, holding the same policy; Lambda has no Tencent role, so no session token)."""
    return KeyPair(
        f"AKIDlocalcloudSubuser{function.replace('_', '')}",
        f"localcloudSubuserKey{function.replace('_', '')}",
        policy=function_policy(function, region),
    )


def sub_user_keys(region: str) -> dict[str, KeyPair]:
    return {path.stem: sub_user_key(path.stem, region) for path in sorted(POLICIES.glob("*.json"))}


def function_keys(region: str) -> dict[str, KeyPair]:
    return {path.stem: function_key(path.stem, region) for path in sorted(POLICIES.glob("*.json"))}
