"""Deployment options a user turns on: deleting the compare image once a verification is final, and CORS
for app backends that call the API from a browser."""

from collections.abc import Callable

import pytest
import requests
from qcloud_cos.cos_exception import CosServiceError

from tests.integration.bucket import owner_client
from tests.integration.relay import Relay, photo, preflight

APP_ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    return make_stack(env={"RELAY_DELETE_COMPARE_IMAGE": "true", "RELAY_CORS_ORIGINS": APP_ORIGIN})


def test_the_compare_image_is_deleted_once_the_verification_is_final(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key)
    bucket = owner_client(relay.stack)
    assert bucket.head_object(Bucket=relay.stack.bucket, Key=key)

    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))

    with pytest.raises(CosServiceError) as gone:
        bucket.head_object(Bucket=relay.stack.bucket, Key=key)
    assert gone.value.get_status_code() == 404
    result = relay.get(f"/verifications/{issued['bizToken']}").json()
    assert result["status"] == "passed"
    assert requests.get(result["media"]["bestFrame"]["url"], timeout=30).status_code == 200


def test_a_browser_preflight_from_an_allowed_origin_is_answered(relay: Relay) -> None:
    answer = preflight(
        f"{relay.base}/verifications", APP_ORIGIN, "POST", "authorization, content-type, idempotency-key"
    )

    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    allowed = answer.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {h.strip() for h in allowed.split(",")}


def test_other_origins_get_no_cors_grant(relay: Relay) -> None:
    answer = requests.post(
        f"{relay.base}/uploads",
        json={"purpose": "compare-image", "size": 10, "contentType": "image/jpeg"},
        headers={**relay.auth, "Origin": "https://evil.example.com"},
        timeout=30,
    )

    assert answer.status_code == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
