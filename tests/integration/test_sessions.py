"""Sessions under retries and races: Idempotency-Key, repeated and concurrent callbacks, expiry,
tokens we never issued, and at-least-once COS events."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.integration.relay import Relay, most_windows, photo


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    # Every COS event is delivered three times, as an at-least-once trigger may.
    return make_stack("--deliveries", "3")


def test_a_retried_request_with_the_same_idempotency_key_gets_the_same_token(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    headers = {"Idempotency-Key": "retry-me-1"}
    body = {"compareImageKey": key, "returnUrl": f"{relay.base}/demo/result", "reference": "order-7"}

    first = relay.wait_for_record(lambda: relay.post("/verifications", body, headers))
    second = relay.post("/verifications", body, headers)
    reused = relay.post("/verifications", {**body, "reference": "order-8"}, headers)

    assert first.status_code == second.status_code == 200
    assert first.json()["bizToken"] == second.json()["bizToken"]
    assert reused.status_code == 422
    assert reused.json()["code"] == "IdempotencyKeyReused"


def test_repeated_callbacks_answer_the_same_without_asking_faceid_again(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key)
    callback_url = relay.complete_on_faceid(issued["verificationUrl"], "pass")
    before = len(relay.faceid_calls("GetWebVerificationResultIntl"))

    answers = [relay.callback(callback_url) for _ in range(3)]

    assert {a.status_code for a in answers} == {302}
    assert len({a.headers["Location"] for a in answers}) == 1
    assert len(relay.faceid_calls("GetWebVerificationResultIntl")) == before + 1


def test_concurrent_callbacks_ask_faceid_once_and_answer_its_result_or_pending(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key)
    callback_url = relay.complete_on_faceid(issued["verificationUrl"], "pass")
    before = len(relay.faceid_calls("GetWebVerificationResultIntl"))

    started = time.monotonic()
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: relay.callback(callback_url), range(5)))
    elapsed = time.monotonic() - started

    assert {a.status_code for a in answers} == {302}
    statuses = {parse_qs(urlsplit(a.headers["Location"]).query)["status"][0] for a in answers}
    assert "passed" in statuses
    assert statuses <= {"passed", "pending"}
    # One call, unless the five straddled a window boundary before the first answer was stored.
    assert 1 <= len(relay.faceid_calls("GetWebVerificationResultIntl")) - before <= most_windows(elapsed)
    assert relay.get(f"/verifications/{issued['bizToken']}").json()["status"] == "passed"


def test_tokens_we_did_not_issue_are_refused_without_a_redirect(relay: Relay) -> None:
    unknown = relay.callback(f"{relay.base}/callback?token=81EEF678-28EE-4759-A82E-6CBBBE6BC442")
    malformed = relay.callback(f"{relay.base}/callback?token=../../etc/passwd")

    assert unknown.status_code == 404
    assert "Location" not in unknown.headers
    assert malformed.status_code == 400
    assert "Location" not in malformed.headers


def test_a_token_that_expired_before_the_user_started_is_final_as_expired(relay: Relay) -> None:
    key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key)
    relay.stack.control("faceid", "clock", {"advance": 11 * 60})
    try:
        page = requests.get(issued["verificationUrl"], timeout=30)
        result = relay.get(f"/verifications/{issued['bizToken']}").json()
    finally:
        relay.stack.control("faceid", "clock", {"advance": -11 * 60})

    assert "expired" in page.text.lower()
    assert result["status"] == "expired"


def test_duplicate_cos_events_record_an_upload_once(relay: Relay) -> None:
    relay.upload("compare-image", photo(), "image/jpeg")
    requests.post(f"{relay.stack.cos}/_control/drain", timeout=30)

    deliveries = requests.get(f"{relay.stack.cos}/_control/deliveries", timeout=10).json()

    assert deliveries, "the trigger fired"
    assert all(d["key"].startswith("uploads/") for d in deliveries), (
        "nothing the functions wrote triggered them"
    )
    assert all(d["status"] == 200 for d in deliveries)
