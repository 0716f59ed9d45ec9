"""The test kit for the developer's own app: `python -m localcloud --allow-return-origin ORIGIN --cors-origin
ORIGIN` lets verifications return to that app, and its pages call the API and PUT to the bucket."""

from collections.abc import Callable

import pytest

from tests.integration.relay import Relay, md5_hex, photo, preflight

APP = "http://localhost:3000"
OTHER_APP = "http://localhost:4000"


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    return make_stack("--allow-return-origin", APP, "--allow-return-origin", OTHER_APP, "--cors-origin", APP)


@pytest.fixture(scope="module")
def plain_relay(make_stack: Callable[..., Relay]) -> Relay:
    return make_stack()


@pytest.mark.parametrize("origin", [APP, OTHER_APP])
def test_a_verification_returns_the_browser_to_each_allowed_app_origin(relay: Relay, origin: str) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key, returnUrl=f"{origin}/kyc/done")

    answer = relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))

    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(f"{origin}/kyc/done?status=passed")


def test_without_the_flag_the_app_origin_is_not_a_return_destination(plain_relay: Relay) -> None:
    answer = plain_relay.post("/verifications", {"returnUrl": f"{APP}/kyc/done"})

    assert answer.status_code == 400
    assert answer.json()["code"] == "ReturnUrlNotAllowed"


def test_the_apps_pages_may_call_the_api_and_upload_to_the_bucket(relay: Relay) -> None:
    api_preflight = preflight(
        f"{relay.base}/verifications", APP, "POST", "authorization,content-type,idempotency-key"
    )
    data = photo()
    upload = relay.post(
        "/uploads",
        {"purpose": "compare-image", "size": len(data), "contentType": "image/jpeg", "md5": md5_hex(data)},
    ).json()
    bucket_preflight = preflight(
        upload["uploadUrl"], APP, "PUT", ",".join(name.lower() for name in upload["headers"])
    )

    assert api_preflight.status_code in (200, 204), api_preflight.text
    assert api_preflight.headers["Access-Control-Allow-Origin"] == APP
    assert bucket_preflight.status_code == 200, bucket_preflight.text
    assert bucket_preflight.headers["Access-Control-Allow-Origin"] == APP


def test_an_origin_not_named_by_a_flag_gets_no_cors_grant(relay: Relay) -> None:
    answer = preflight(f"{relay.base}/verifications", OTHER_APP, "POST")

    assert "Access-Control-Allow-Origin" not in answer.headers
