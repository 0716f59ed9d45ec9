"""The local cloud's account: one APPID, a permanent key pair and a temporary (STS-style) one.

Tests and `make dev` use these; the emulators accept exactly these keys, as Tencent accepts only
the account's own."""

from dataclasses import dataclass

APPID = "1250000000"
REGIONS = ("ap-singapore", "ap-bangkok", "ap-hongkong", "ap-jakarta")


@dataclass(frozen=True)
class KeyPair:
    secret_id: str
    secret_key: str
    token: str | None = None


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
