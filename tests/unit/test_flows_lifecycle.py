"""The lifecycle on in-memory fakes: cancel (and its race with a callback), redact (and redoing one cut
short), the webhook outbox (delivery at once, retries with backoff, giving up, parallel sweeps), and the
sweeper finalizing a verification nobody came back for."""

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from faceid_relay.errors import StorageUnavailable, VerificationFinished, VerificationPending
from faceid_relay.faceid import IssuedWebVerification, WebVerificationOutcome
from faceid_relay.flows.issuing import issue_verification_token
from faceid_relay.flows.lifecycle import cancel_verification, redact_verification
from faceid_relay.flows.outbox import retry_delay
from faceid_relay.flows.results import finish_verification, read_verification_result
from faceid_relay.flows.sweeper import sweep
from faceid_relay.models.records import (
    OPEN_VERIFICATIONS_PREFIX,
    WEBHOOKS_PREFIX,
    final_key,
    upload_record_key,
    webhook_event_id,
)
from faceid_relay.models.requests import VerificationRequest
from faceid_relay.webhooks import DeliveryResult
from tests.fakes import FakeBucket, FakeFaceId, FakeReceiver, md5_of, passing_attempt, settings

IMAGE_KEY = "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10"
JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 50
DOWN = DeliveryResult(503, None)
UP = DeliveryResult(200, None)
CONFIG = settings()
OTHER_TOKEN = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"


def issue(bucket: FakeBucket, faceid: FakeFaceId, image: bool = True) -> str:
    if image:
        bucket.put_upload(IMAGE_KEY, JPEG, "image/jpeg")
    request = VerificationRequest.model_validate(
        {
            "returnUrl": "https://app.example.com/kyc/done",
            "reference": "order-1",
            **({"compareImageKey": IMAGE_KEY} if image else {}),
        }
    )
    return issue_verification_token(request, None, CONFIG, bucket, faceid).biz_token


def passed() -> WebVerificationOutcome:
    return WebVerificationOutcome("passed", 0, "Success", [passing_attempt()], {"bestFrame": JPEG})


def later(minutes: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=minutes)


def run_sweep(
    bucket: FakeBucket, faceid: FakeFaceId, receiver: FakeReceiver | None, at: datetime
) -> dict[str, Any]:
    return vars(sweep(at, CONFIG, bucket, faceid, receiver, lambda: True))


# --- Cancel -----------------------------------------------------------------------------------------------


def test_cancel_makes_a_pending_verification_canceled_for_good_and_tells_the_webhook_once() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)

    first = cancel_verification(token, CONFIG, bucket, receiver)
    again = cancel_verification(token, CONFIG, bucket, receiver)
    location = finish_verification(token, CONFIG, bucket, faceid, receiver)

    assert first.status == again.status == "canceled"
    assert first.finalized_at == again.finalized_at
    assert "status=canceled" in location
    assert [event["type"] for event in receiver.events()] == ["verification.canceled"]
    assert not any(name == "GetWebVerificationResultIntl" for name, _ in faceid.calls), "no FaceID call after"


def test_cancelling_a_finished_verification_is_a_409_naming_its_status() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId(outcome=passed())
    token = issue(bucket, faceid)
    finish_verification(token, CONFIG, bucket, faceid)

    with pytest.raises(VerificationFinished) as raised:
        cancel_verification(token, CONFIG, bucket, None)

    assert raised.value.status == 409
    assert "already passed" in raised.value.detail


def test_a_cancel_that_wins_the_race_with_a_callback_leaves_one_canceled_record_and_no_copied_media() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)
    # The cancel lands while the callback is fetching and copying the result.
    bucket.competitors[final_key(token)] = lambda: cancel_verification(token, CONFIG, bucket, receiver)

    location = finish_verification(token, CONFIG, bucket, faceid, receiver)

    assert "status=canceled" in location
    assert json.loads(bucket.objects[final_key(token)].data)["status"] == "canceled"
    assert bucket.keys(f"results/{token}/") == []
    assert [event["type"] for event in receiver.events()] == ["verification.canceled"]


def test_a_callback_that_wins_the_race_with_a_cancel_makes_the_cancel_a_409() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)
    won: list[str] = []
    bucket.competitors[final_key(token)] = lambda: won.append(
        finish_verification(token, CONFIG, bucket, faceid, receiver)
    )

    with pytest.raises(VerificationFinished, match="already passed"):
        cancel_verification(token, CONFIG, bucket, receiver)

    assert "status=passed" in won[0]
    assert [event["type"] for event in receiver.events()] == ["verification.passed"]


# --- Redact -----------------------------------------------------------------------------------------------


def test_a_pending_verification_cannot_be_redacted() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)

    with pytest.raises(VerificationPending):
        redact_verification(token, CONFIG, bucket, None)


def test_redact_erases_media_image_and_upload_records_and_reads_keep_only_status_and_reference() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)
    finish_verification(token, CONFIG, bucket, faceid, receiver)
    assert bucket.keys(f"results/{token}/") != []

    answer = redact_verification(token, CONFIG, bucket, receiver)
    read = read_verification_result(token, CONFIG, bucket, faceid, receiver)

    assert bucket.keys(f"results/{token}/") == []
    assert IMAGE_KEY not in bucket.objects
    assert upload_record_key(IMAGE_KEY, md5_of(JPEG)) not in bucket.objects
    for result in (answer, read):
        assert (result.status, result.reference, result.biz_token) == ("passed", "order-1", token)
        assert result.redacted_at is not None
        assert (result.similarity, result.attempts, result.media) == (None, None, None)
    assert [event["type"] for event in receiver.events()] == ["verification.passed", "verification.redacted"]


def test_a_canceled_verification_can_be_redacted() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)
    cancel_verification(token, CONFIG, bucket, None)

    result = redact_verification(token, CONFIG, bucket, None)

    assert (result.status, IMAGE_KEY in bucket.objects) == ("canceled", False)


def test_a_redact_cut_short_is_finished_by_repeating_it_and_answers_the_same() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)
    finish_verification(token, CONFIG, bucket, faceid, receiver)
    real_delete = bucket.delete

    def broken_delete(key: str) -> None:
        if key == IMAGE_KEY:
            raise StorageUnavailable()
        real_delete(key)

    bucket.delete = broken_delete  # type: ignore[method-assign]
    with pytest.raises(StorageUnavailable):
        redact_verification(token, CONFIG, bucket, receiver)
    half_way = read_verification_result(token, CONFIG, bucket, faceid, receiver)
    bucket.delete = real_delete  # type: ignore[method-assign]
    first = redact_verification(token, CONFIG, bucket, receiver)
    second = redact_verification(token, CONFIG, bucket, receiver)

    assert half_way.media is None, "from the first step on, nothing links to what is being deleted"
    assert first == second
    assert IMAGE_KEY not in bucket.objects
    assert upload_record_key(IMAGE_KEY, md5_of(JPEG)) not in bucket.objects
    assert [e["type"] for e in receiver.events()].count("verification.redacted") == 1


# --- Webhooks ---------------------------------------------------------------------------------------------


def test_the_event_body_names_the_verification_and_nothing_personal() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)

    finish_verification(token, CONFIG, bucket, faceid, receiver)

    (event,) = receiver.events()
    assert set(event) == {"id", "type", "createdAt", "data"}
    assert event["data"] == {"bizToken": token, "reference": "order-1", "status": "passed"}
    assert event["id"] == webhook_event_id(token, "verification.passed")


def test_a_receiver_down_then_up_gets_each_event_retried_with_backoff_and_delivered_once() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId(outcome=passed())
    receiver = FakeReceiver(answers=[DOWN, DOWN, UP])
    token = issue(bucket, faceid)
    finish_verification(token, CONFIG, bucket, faceid, receiver)  # attempt 1 at once: down

    not_yet = run_sweep(bucket, faceid, receiver, later(0.5))
    second = run_sweep(bucket, faceid, receiver, later(1.5))  # 1 min after attempt 1: down
    too_early = run_sweep(bucket, faceid, receiver, later(2.5))
    third = run_sweep(bucket, faceid, receiver, later(4))  # 2 min after attempt 2: up
    after = run_sweep(bucket, faceid, receiver, later(60))

    assert [r["webhooks_sent"] for r in (not_yet, second, too_early, third, after)] == [0, 1, 0, 1, 0]
    assert len(receiver.bodies) == 3
    assert len({body for body in receiver.bodies}) == 1, "every attempt sends the same bytes"
    files = bucket.keys(WEBHOOKS_PREFIX)
    assert sum("/attempt-" in key for key in files) == sum("/outcome-" in key for key in files) == 3
    assert not [key for key in files if "/undelivered/" in key]


def test_an_event_is_given_up_after_three_days_of_failures() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId(outcome=passed())
    receiver = FakeReceiver(answers=[DOWN])
    token = issue(bucket, faceid)
    finish_verification(token, CONFIG, bucket, faceid, receiver)

    minutes = 0.0
    while minutes < 4 * 24 * 60:
        minutes += 30
        run_sweep(bucket, faceid, receiver, later(minutes))

    assert not [key for key in bucket.keys(WEBHOOKS_PREFIX) if "/undelivered/" in key]
    assert 10 <= len(receiver.bodies) <= 25
    assert retry_delay(1) == timedelta(minutes=1)
    assert retry_delay(30) == timedelta(hours=6)


def test_two_sweeps_at_once_send_each_attempt_once_and_record_one_event() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId(outcome=passed())
    receiver = FakeReceiver(answers=[DOWN, UP])
    token = issue(bucket, faceid)
    finish_verification(token, CONFIG, bucket, faceid, receiver)
    event_id = webhook_event_id(token, "verification.passed")
    at = later(2)
    # The second sweep runs while the first is about to claim attempt 2.
    bucket.competitors[f"{WEBHOOKS_PREFIX}events/{event_id}/attempt-002.json"] = lambda: run_sweep(
        bucket, faceid, receiver, at
    )

    run_sweep(bucket, faceid, receiver, at)

    assert len(receiver.bodies) == 2
    assert len([key for key in bucket.keys(WEBHOOKS_PREFIX) if key.endswith("/event.json")]) == 1


def test_without_a_webhook_url_nothing_is_recorded_or_sent() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId(outcome=passed())
    token = issue(bucket, faceid)

    finish_verification(token, CONFIG, bucket, faceid, None)
    cancel_or_redact = redact_verification(token, CONFIG, bucket, None)

    assert cancel_or_redact.redacted_at is not None
    assert bucket.keys(WEBHOOKS_PREFIX) == []


# --- The sweeper finalizing --------------------------------------------------------------------------------


def test_the_sweeper_finalizes_a_verification_nobody_came_back_for_after_its_lifetime() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)

    early = run_sweep(bucket, faceid, receiver, later(9))
    calls_before_due = len(faceid.calls)
    due = run_sweep(bucket, faceid, receiver, later(16))

    assert early["closed"] == 0
    assert calls_before_due == 1, "not looked at within the BizToken's lifetime"
    assert due["closed"] == 1
    assert json.loads(bucket.objects[final_key(token)].data)["status"] == "passed"
    assert bucket.keys(f"results/{token}/") != [], "the media were copied before FaceID clears them"
    assert [event["type"] for event in receiver.events()] == ["verification.passed"]
    assert bucket.keys(OPEN_VERIFICATIONS_PREFIX) == []


def test_a_verification_faceid_still_calls_pending_is_looked_at_again_later() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(), FakeReceiver()
    issue(bucket, faceid, image=False)

    first = run_sweep(bucket, faceid, receiver, later(16))
    too_soon = run_sweep(bucket, faceid, receiver, later(18))
    faceid.outcome = WebVerificationOutcome("expired", 15, "Token expired")
    again = run_sweep(bucket, faceid, receiver, later(22))

    assert (first["still_pending"], too_soon["still_pending"], again["closed"]) == (1, 0, 1)
    assert [event["type"] for event in receiver.events()] == ["verification.expired"]


def test_the_sweeper_sends_the_event_a_finisher_recorded_the_result_for_but_never_published() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    token = issue(bucket, faceid)
    finish_verification(token, CONFIG, bucket, faceid, None)  # as if it died before publishing

    run_sweep(bucket, faceid, receiver, later(16))

    assert [event["data"]["bizToken"] for event in receiver.events()] == [token]


def test_a_record_that_does_not_read_costs_its_own_item_not_the_whole_sweep() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(outcome=passed()), FakeReceiver()
    broken = issue(bucket, faceid, image=False)
    bucket.put_json(f"verifications/{broken}/session.json", {"bizToken": broken})  # damaged
    bucket.put_json(f"{WEBHOOKS_PREFIX}undelivered/evt_{'0' * 32}.json", {"id": "nonsense"})
    faceid.issued = IssuedWebVerification(OTHER_TOKEN, "https://faceid.example/other")
    fine = issue(bucket, faceid, image=False)

    report = run_sweep(bucket, faceid, receiver, later(16))

    assert report["closed"] == 1
    assert [event["data"]["bizToken"] for event in receiver.events()] == [fine]
