"""Cancel, redact and webhooks against the local cloud over HTTP: every platform shape and both API flavors,
the receiver down then up, sweeps running in parallel, a verification nobody came back for, a cancel racing
the callback, and what a read shows after a redact."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.integration.relay import Relay, binary_blob, photo

VARIANTS = [
    ("scf-url", "live"),
    ("scf-apigw", "live"),
    ("lambda-v1", "live"),
    ("lambda-v2", "live"),
    ("scf-url", "legacy"),
]


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    # No background sweeps: each test runs the sweeper itself, as of the time it needs.
    return make_stack("--sweep-every", "0")


@pytest.fixture
def receiver_up(relay: Relay) -> Iterator[None]:
    yield
    relay.webhook_receiver(down=False)


def later(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


def start(relay: Relay, reference: str) -> dict[str, Any]:
    return relay.start_verification(relay.upload("compare-image", photo(), "image/jpeg"), reference=reference)


def events_for(relay: Relay, token: str) -> list[dict[str, Any]]:
    return [e for e in relay.webhooks()["events"] if e["data"]["bizToken"] == token]


def deliveries_for(relay: Relay, token: str) -> list[dict[str, Any]]:
    return [
        d
        for d in relay.webhooks()["deliveries"]
        if d["event"] is not None and d["event"]["data"]["bizToken"] == token
    ]


@pytest.mark.parametrize(("shape", "flavor"), VARIANTS)
def test_cancel_redact_and_webhooks_work_on_every_shape_and_flavor(
    make_stack: Callable[..., Relay], shape: str, flavor: str
) -> None:
    relay = make_stack("--shape", shape, "--flavor", flavor, "--sweep-every", "0")
    canceled = start(relay, "order-cancel")
    finished = start(relay, "order-pass")
    relay.callback(relay.complete_on_faceid(finished["verificationUrl"], "pass"))

    cancel = relay.post(f"/verifications/{canceled['bizToken']}/cancel", {})
    redact = relay.post(f"/verifications/{finished['bizToken']}/redact", {})
    read = relay.get(f"/verifications/{finished['bizToken']}")

    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["status"] == "canceled"
    assert redact.status_code == 200, redact.text
    assert read.json()["status"] == "passed"
    assert read.json()["redactedAt"] is not None
    assert read.json()["media"] is None
    assert [e["type"] for e in events_for(relay, canceled["bizToken"])] == ["verification.canceled"]
    assert [e["type"] for e in events_for(relay, finished["bizToken"])] == [
        "verification.passed",
        "verification.redacted",
    ]


def test_a_canceled_verification_stays_canceled_and_its_callback_says_so(relay: Relay) -> None:
    issued = start(relay, "order-c1")
    token = issued["bizToken"]
    callback_url = relay.complete_on_faceid(issued["verificationUrl"], "pass")  # the user finishes...

    first = relay.post(f"/verifications/{token}/cancel", {})  # ...but the app cancels before the callback
    again = relay.post(f"/verifications/{token}/cancel", {})
    callback = relay.callback(callback_url)
    read = relay.get(f"/verifications/{token}")

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert parse_qs(urlsplit(callback.headers["Location"]).query)["status"] == ["canceled"]
    assert read.json()["status"] == "canceled"


def test_cancelling_a_finished_verification_is_a_409_naming_its_status(relay: Relay) -> None:
    issued = start(relay, "order-c2")
    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "fail"))

    answer = relay.post(f"/verifications/{issued['bizToken']}/cancel", {})

    assert answer.status_code == 409
    assert answer.json()["code"] == "VerificationFinished"
    assert "already failed" in answer.json()["message"]


def test_a_cancel_racing_the_callback_leaves_exactly_one_final_record(relay: Relay) -> None:
    for round_number in range(3):
        issued = start(relay, f"order-race-{round_number}")
        token = issued["bizToken"]
        callback_url = relay.complete_on_faceid(issued["verificationUrl"], "pass")

        with ThreadPoolExecutor(2) as pool:
            callback = pool.submit(relay.callback, callback_url)
            cancel = pool.submit(relay.post, f"/verifications/{token}/cancel", {})
        final_status = relay.get(f"/verifications/{token}").json()["status"]

        redirected = parse_qs(urlsplit(callback.result().headers["Location"]).query)["status"]
        assert redirected == [final_status]
        if final_status == "canceled":
            assert cancel.result().status_code == 200
            assert relay.bucket_keys(f"results/{token}/") == [], "nothing of the person kept"
        else:
            assert cancel.result().status_code == 409
        assert [e["data"]["status"] for e in events_for(relay, token)] == [final_status]


def test_after_a_redact_the_media_are_gone_and_a_read_keeps_only_status_and_reference(relay: Relay) -> None:
    image_key = relay.upload("compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(image_key, reference="order-r1")
    token = issued["bizToken"]
    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))
    before = relay.get(f"/verifications/{token}").json()
    best_frame_url = before["media"]["bestFrame"]["url"]
    pending = start(relay, "order-r2")

    redacted = relay.post(f"/verifications/{token}/redact", {})
    repeated = relay.post(f"/verifications/{token}/redact", {})
    after = relay.get(f"/verifications/{token}").json()
    too_early = relay.post(f"/verifications/{pending['bizToken']}/redact", {})

    assert redacted.status_code == repeated.status_code == 200
    assert redacted.json() == repeated.json() == after
    assert (after["status"], after["reference"], after["bizToken"]) == ("passed", "order-r1", token)
    assert after["redactedAt"] is not None
    assert (after["similarity"], after["attempts"], after["media"]) == (None, None, None)
    assert requests.get(best_frame_url, timeout=10).status_code == 404
    assert relay.bucket_keys(f"results/{token}/") == []
    assert relay.bucket_keys(image_key) == []
    assert relay.bucket_keys(f"records/{image_key}/") == []
    assert too_early.status_code == 409
    assert too_early.json()["code"] == "VerificationPending"
    assert [e["type"] for e in events_for(relay, token)].count("verification.redacted") == 1


def test_with_the_receiver_down_then_up_each_event_is_retried_and_acted_on_once(
    relay: Relay, receiver_up: None
) -> None:
    issued = start(relay, "order-w1")
    token = issued["bizToken"]
    relay.webhook_receiver(down=True)
    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))  # attempt 1: 503

    relay.sweep(later(1.5))  # attempt 2: 503
    relay.webhook_receiver(down=False)
    relay.sweep(later(2))  # not due yet: 2 min after attempt 2
    assert deliveries_for(relay, token) == []
    relay.sweep(later(4))  # attempt 3: delivered
    relay.sweep(later(30))  # nothing left to send

    (event,) = events_for(relay, token)
    assert event["type"] == "verification.passed"
    assert len(deliveries_for(relay, token)) == 1
    attempts = [k for k in relay.bucket_keys("webhooks/events/") if event["id"] in k and "/attempt-" in k]
    assert len(attempts) == 3


def test_parallel_sweeps_record_no_duplicate_outbox_entries(relay: Relay, receiver_up: None) -> None:
    issued = start(relay, "order-w2")
    token = issued["bizToken"]
    relay.complete_on_faceid(issued["verificationUrl"], "pass")  # and the browser is closed
    at = later(16)

    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda _: relay.sweep(at), range(4)))

    assert sum(report["closed"] for report in reports) >= 1
    (event,) = events_for(relay, token)
    event_files = [k for k in relay.bucket_keys("webhooks/events/") if event["id"] in k]
    assert sum(k.endswith("/event.json") for k in event_files) == 1
    assert sum(k.endswith("/attempt-001.json") for k in event_files) == 1
    assert len(deliveries_for(relay, token)) == 1


def test_the_sweeper_finalizes_verifications_nobody_came_back_for(relay: Relay) -> None:
    finished = start(relay, "order-s1")
    never_started = start(relay, "order-s2")
    relay.complete_on_faceid(finished["verificationUrl"], "pass")  # no callback, nobody polls
    relay.stack.control("faceid", "clock", {"advance": 11 * 60})
    try:
        report = relay.sweep(later(16))
    finally:
        relay.stack.control("faceid", "clock", {"advance": -11 * 60})
    calls_before_read = len(relay.faceid_calls("GetWebVerificationResultIntl"))

    result = relay.get(f"/verifications/{finished['bizToken']}").json()
    expired = relay.get(f"/verifications/{never_started['bizToken']}").json()

    assert report["closed"] >= 2
    assert result["status"] == "passed"
    assert result["media"]["bestFrame"]["size"] > 0, "the media were copied while FaceID kept them"
    assert expired["status"] == "expired"
    assert len(relay.faceid_calls("GetWebVerificationResultIntl")) == calls_before_read
    assert [e["type"] for e in events_for(relay, finished["bizToken"])] == ["verification.passed"]
    assert [e["type"] for e in events_for(relay, never_started["bizToken"])] == ["verification.expired"]


def test_the_receiver_logs_deliveries_and_signature_checks_and_nothing_personal(relay: Relay) -> None:
    issued = start(relay, "order-log-7f3e")
    relay.callback(relay.complete_on_faceid(issued["verificationUrl"], "pass"))
    forged = requests.post(
        f"{relay.base}/_webhooks",
        data=b'{"id":"evt_forged"}',
        headers={"FaceID-Relay-Signature": "t=1,v1=" + "0" * 64},
        timeout=10,
    )

    log = relay.stack.log_text()
    assert forged.status_code == 400
    assert "[webhook-receiver] webhook received verification.passed" in log
    assert "[webhook-receiver] webhook signature invalid: no signature matches" in log
    assert '"message":"webhook delivered"' in log
    assert "order-log-7f3e" not in log, "the app's reference is not logged"


def test_a_redacted_liveness_comparison_reads_without_the_person(relay: Relay) -> None:
    live = relay.upload("live-data", binary_blob(), "application/octet-stream")
    image = relay.upload("compare-image", photo(), "image/jpeg")
    made = relay.wait_for_record(
        lambda: relay.post(
            "/liveness-comparisons", {"liveDataKey": live, "imageKey": image, "reference": "s-1"}
        )
    ).json()
    frame_url = made["bestFrame"]["url"]

    redacted = relay.post(f"/liveness-comparisons/{made['id']}/redact", {})
    read = relay.get(f"/liveness-comparisons/{made['id']}").json()
    unknown = relay.post(f"/liveness-comparisons/cmp-{'0' * 32}/redact", {})

    assert redacted.status_code == 200, redacted.text
    assert redacted.json() == read
    assert (read["result"], read["reference"], read["passed"]) == ("Success", "s-1", True)
    assert (read["similarity"], read["bestFrame"], read["redactedAt"] is not None) == (None, None, True)
    assert requests.get(frame_url, timeout=10).status_code == 404
    assert relay.bucket_keys(f"results/{made['id']}/") == []
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "ComparisonNotFound"
