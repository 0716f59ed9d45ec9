"""Valid events for the benchmarks, made from the samples in events/: the sample's placeholder keys, token
and return URL are swapped for real ones, so every measured call takes its successful path."""

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench.common import ROOT
from localcloud.gateway import EVENT_FUNCTIONS, ROUTES

EVENTS_DIR = ROOT / "events"
# Functions the benchmarks do not run yet: their valid events need state the rounds do not create (a
# verification still open to cancel, verifications due for the sweeper).
NOT_BENCHED = frozenset({"verification_lifecycle", "lifecycle_sweeper"})
# The functions the gateway routes HTTP to, in its route table's order, and the COS trigger's function.
HTTP_FUNCTIONS = tuple(
    name for name in dict.fromkeys(route.function for route in ROUTES) if name not in NOT_BENCHED
)
HASH_FUNCTION = "hash_on_upload"
if HASH_FUNCTION not in EVENT_FUNCTIONS or set(EVENT_FUNCTIONS) - NOT_BENCHED != {HASH_FUNCTION}:
    raise RuntimeError(f"bench/events.py: the gateway's event functions changed: {EVENT_FUNCTIONS}")
COS_EVENT = "scf-cos"
# The placeholders the sample events carry (events/*.json).
SAMPLE_COMPARE_IMAGE_KEY = "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10"
SAMPLE_DEVICE_DATA_KEY = "uploads/device-data/3f2b8c1e9a7d4e6f8b0c1d2e3f4a5b6c"
SAMPLE_LIVE_DATA_KEY = "uploads/live-data/7a1c2e4b6d8f4a0c9e1b3d5f7a9c0e2b"
SAMPLE_BIZ_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"  # noqa: S105 - a placeholder, not a secret
SAMPLE_RETURN_URL = "https://app.example.com/kyc/done"
SAMPLE_IDEMPOTENCY_KEY = "5d0c7f3e-2b1a-4c9d-8e7f-6a5b4c3d2e1f"
# The status each function answers a valid request with.
EXPECTED_STATUS = {name: 200 for name in HTTP_FUNCTIONS} | {"redirect_callback": 302}


@dataclass(frozen=True)
class RealValues:
    """What a deployment in the local cloud actually holds, in place of the samples' placeholders."""

    compare_image_key: str
    device_data_key: str
    live_data_key: str
    return_url: str
    biz_token: str = SAMPLE_BIZ_TOKEN

    def replacements(self) -> dict[str, str]:
        return {
            SAMPLE_COMPARE_IMAGE_KEY: self.compare_image_key,
            SAMPLE_DEVICE_DATA_KEY: self.device_data_key,
            SAMPLE_LIVE_DATA_KEY: self.live_data_key,
            SAMPLE_RETURN_URL: self.return_url,
            SAMPLE_BIZ_TOKEN: self.biz_token,
            # A fresh Idempotency-Key: a repeated one would replay the first answer, not issue a token.
            SAMPLE_IDEMPOTENCY_KEY: str(uuid.uuid4()),
        }


def sample_event(function: str, shape: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{function}.{shape}.json").read_text(encoding="utf-8"))
    return event


def substituted(event: Mapping[str, Any], replacements: Mapping[str, str]) -> dict[str, Any]:
    """The event with every occurrence of each placeholder replaced (headers, path, query and JSON body
    alike: the placeholders contain no character JSON escapes)."""
    text = json.dumps(event)
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    result: dict[str, Any] = json.loads(text)
    return result


def http_event(function: str, shape: str, values: RealValues) -> dict[str, Any]:
    return substituted(sample_event(function, shape), values.replacements())


def cos_event(key: str, size: int) -> dict[str, Any]:
    """The sample COS trigger event, for the object `key` of `size` bytes in the deployment's bucket."""
    event = substituted(sample_event(HASH_FUNCTION, COS_EVENT), {SAMPLE_COMPARE_IMAGE_KEY: key})
    event["Records"][0]["cos"]["cosObject"]["size"] = size
    return event
