"""The app-SDK flows on in-memory fakes: resources by key or by URL, FaceID's files copied into results/
only when their MD5 checks out, and the pass threshold."""

from typing import Any

import pytest

from faceid_relay.errors import (
    ComparisonNotFound,
    IdempotencyKeyReused,
    InvalidRequest,
    InvalidResourceUrl,
    LiveDataAlreadyUsed,
    ProviderMediaUnavailable,
    ProviderUnavailable,
)
from faceid_relay.faceid import LivenessVerdict, ReflectSequence
from faceid_relay.flows.comparisons import compare_liveness, read_liveness_comparison
from faceid_relay.flows.issuing import idempotency_key_hash
from faceid_relay.flows.lifecycle import redact_liveness_comparison
from faceid_relay.flows.sequences import generate_sequence
from faceid_relay.models.records import comparison_idempotency_key
from faceid_relay.models.requests import LivenessComparisonRequest, SequenceRequest
from faceid_relay.models.responses import LivenessComparison
from faceid_relay.models.rules import Action
from tests.fakes import BUCKET_URL, NOW, FakeBucket, FakeFaceId, md5_of, media_link, settings

DEVICE_KEY = "uploads/device-data/3f2b8c1e9a7d4e6f8b0c1d2e3f4a5b6c"
LIVE_KEY = "uploads/live-data/7a1c2e4b6d8f4a0c9e1b3d5f7a9c0e2b"
IMAGE_KEY = "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10"
BINARY = bytes(range(256))
JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 50


def test_a_sequence_for_an_upload_is_generated_from_its_recorded_md5_and_kept_in_the_bucket() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    record = bucket.put_upload(DEVICE_KEY, BINARY, "application/octet-stream")
    faceid.sequence = ReflectSequence(media_link(bucket, b"light sequence"), "req-1")

    answer = generate_sequence(SequenceRequest(device_data_key=DEVICE_KEY), settings(), bucket, faceid)

    sent = faceid.calls[0][1]["device_data"]
    assert sent.md5 == record.md5
    assert DEVICE_KEY in sent.url
    assert answer.reflect_sequence_md5 == md5_of(b"light sequence")
    assert [key for key in bucket.objects if key.startswith("results/sequence-")]


def test_a_damaged_sequence_is_refused_and_not_kept() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    bucket.put_upload(DEVICE_KEY, BINARY, "application/octet-stream")
    link = media_link(bucket, b"light sequence")
    bucket.remote[link.url] = b"light sequencf"
    faceid.sequence = ReflectSequence(link, "req-1")

    with pytest.raises(ProviderMediaUnavailable, match="light sequence arrived damaged"):
        generate_sequence(SequenceRequest(device_data_key=DEVICE_KEY), settings(), bucket, faceid)

    assert not [key for key in bucket.objects if key.startswith("results/")]


def test_a_resource_url_in_another_region_is_refused_before_faceid_is_called() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    request = SequenceRequest(
        device_data_url="https://a-1250000000.cos.ap-bangkok.myqcloud.com/device", device_data_md5="0" * 32
    )

    with pytest.raises(InvalidResourceUrl) as raised:
        generate_sequence(request, settings(), bucket, faceid)

    assert raised.value.field == "deviceDataUrl"
    assert faceid.calls == []


def compare(
    bucket: FakeBucket, faceid: FakeFaceId, idempotency_key: str | None = None, **fields: Any
) -> LivenessComparison:
    request = LivenessComparisonRequest.model_validate(
        {"liveDataKey": LIVE_KEY, "imageKey": IMAGE_KEY, **fields}
    )
    return compare_liveness(request, idempotency_key, settings(), bucket, faceid)


def uploaded(verdict: LivenessVerdict | None = None) -> tuple[FakeBucket, FakeFaceId]:
    bucket, faceid = FakeBucket(), FakeFaceId()
    bucket.put_upload(LIVE_KEY, BINARY, "application/octet-stream")
    bucket.put_upload(IMAGE_KEY, JPEG, "image/jpeg")
    faceid.verdict = verdict or LivenessVerdict("Success", "ok", 88.0, media_link(bucket, JPEG), "req-1")
    return bucket, faceid


@pytest.mark.parametrize(("similarity", "passed"), [(70.0, True), (69.9, False)])
def test_a_comparison_passes_from_the_deployments_threshold(similarity: float, passed: bool) -> None:
    bucket, faceid = uploaded()
    faceid.verdict = LivenessVerdict("Success", "ok", similarity, media_link(bucket, JPEG), "req-1")

    answer = compare(bucket, faceid)

    assert answer.passed is passed
    assert answer.best_frame is not None
    assert answer.best_frame.md5 == md5_of(JPEG)
    stored = answer.best_frame.url.split("?")[0].removeprefix(f"{BUCKET_URL}/")
    assert stored.startswith(f"results/{answer.id}/")
    assert bucket.read_bytes(stored) == JPEG


def test_a_person_who_fails_liveness_gets_the_verdict_with_no_similarity_and_no_best_frame() -> None:
    bucket, faceid = uploaded(
        LivenessVerdict("FailedOperation.SilentDetectFail", "not live", None, None, "r")
    )

    answer = compare(bucket, faceid)

    assert (answer.result, answer.similarity, answer.passed, answer.best_frame) == (
        "FailedOperation.SilentDetectFail",
        0.0,
        False,
        None,
    )


def test_a_comparison_is_stored_once_and_read_again_by_its_id() -> None:
    bucket, faceid = uploaded()

    made = compare(bucket, faceid, reference="signup-1", metadata={"userId": "u-1"})
    read = read_liveness_comparison(made.id, settings(), bucket)

    assert read.model_dump(exclude={"best_frame"}) == made.model_dump(exclude={"best_frame"})
    assert (read.reference, read.metadata, read.request_id) == ("signup-1", {"userId": "u-1"}, "req-1")
    assert read.best_frame is not None
    assert made.best_frame is not None
    assert (read.best_frame.md5, read.best_frame.size) == (made.best_frame.md5, made.best_frame.size)


def test_an_unknown_comparison_id_is_not_found_and_a_malformed_one_is_invalid() -> None:
    with pytest.raises(ComparisonNotFound):
        read_liveness_comparison("cmp-" + "0" * 32, settings(), FakeBucket())
    with pytest.raises(InvalidRequest):
        read_liveness_comparison("../records", settings(), FakeBucket())


def test_live_data_that_finished_a_comparison_cannot_be_compared_again() -> None:
    bucket, faceid = uploaded()
    compare(bucket, faceid)
    replay_key = "uploads/live-data/" + "e" * 32
    bucket.put_upload(replay_key, BINARY, "application/octet-stream")

    with pytest.raises(LiveDataAlreadyUsed) as same_key:
        compare(bucket, faceid)
    with pytest.raises(LiveDataAlreadyUsed) as same_bytes:
        compare(bucket, faceid, liveDataKey=replay_key)

    assert (same_key.value.status, same_key.value.field, same_bytes.value.field) == (
        409,
        "liveDataKey",
        "liveDataKey",
    )
    assert faceid.actions().count(Action.DetectReflectLivenessAndCompare) == 1


def test_a_failed_person_uses_up_the_live_data_too() -> None:
    bucket, faceid = uploaded(LivenessVerdict("FailedOperation.LivessDetectFake", "spoof", None, None, "r"))
    compare(bucket, faceid)

    with pytest.raises(LiveDataAlreadyUsed):
        compare(bucket, faceid)


def test_live_data_stays_usable_when_faceid_gave_no_verdict() -> None:
    bucket, faceid = uploaded()
    verdict = faceid.verdict
    faceid.verdict_error = ProviderUnavailable()
    with pytest.raises(ProviderUnavailable):
        compare(bucket, faceid)
    faceid.verdict_error, faceid.verdict = None, verdict

    assert compare(bucket, faceid).passed


def test_a_retry_with_the_same_idempotency_key_gets_the_same_comparison_from_one_faceid_call() -> None:
    bucket, faceid = uploaded()

    first = compare(bucket, faceid, "key-1")
    second = compare(bucket, faceid, "key-1")

    assert second.id == first.id
    assert faceid.actions().count(Action.DetectReflectLivenessAndCompare) == 1
    with pytest.raises(IdempotencyKeyReused):
        compare(bucket, faceid, "key-1", reference="another")


def test_after_a_crash_only_a_retry_with_the_same_idempotency_key_may_finish_with_the_claimed_live_data() -> (
    None
):
    """A function that dies mid-call (a timeout) leaves its claim: the live data is then the retry's."""
    bucket, faceid = uploaded()
    verdict = faceid.verdict
    faceid.verdict_error = TimeoutError("the platform stopped the function")
    with pytest.raises(TimeoutError):
        compare(bucket, faceid, "key-1")
    faceid.verdict_error, faceid.verdict = None, verdict

    with pytest.raises(LiveDataAlreadyUsed):
        compare(bucket, faceid, "key-2")
    answer = compare(bucket, faceid, "key-1")

    assert answer.passed


def test_a_retry_after_a_crash_past_the_stored_comparison_answers_it_without_asking_faceid_again() -> None:
    """The function died after storing the comparison, before recording its Idempotency-Key."""
    bucket, faceid = uploaded()

    def crash() -> None:
        raise TimeoutError("the platform stopped the function")

    bucket.competitors[comparison_idempotency_key(idempotency_key_hash("key-1"))] = crash
    with pytest.raises(TimeoutError):
        compare(bucket, faceid, "key-1")
    answer = compare(bucket, faceid, "key-1")

    assert answer.passed
    assert compare(bucket, faceid, "key-1").id == answer.id
    assert [action for action, _ in faceid.calls] == [Action.DetectReflectLivenessAndCompare]


def test_a_redacted_comparison_keeps_its_verdict_and_reference_and_loses_the_person() -> None:
    bucket, faceid = uploaded()
    made = compare(bucket, faceid, reference="signup-1", metadata={"userId": "u-1"})

    redacted = redact_liveness_comparison(made.id, bucket)
    again = redact_liveness_comparison(made.id, bucket)
    read = read_liveness_comparison(made.id, settings(), bucket)

    assert redacted == again == read
    assert (read.result, read.passed, read.reference) == ("Success", True, "signup-1")
    assert (read.similarity, read.best_frame, read.metadata) == (None, None, None)
    assert read.redacted_at is not None
    assert bucket.list_keys(f"results/{made.id}/") == []


def test_a_concurrent_request_that_claimed_the_same_idempotency_key_for_another_body_wins() -> None:
    bucket, faceid = uploaded()
    key_record = comparison_idempotency_key(idempotency_key_hash("key-1"))
    bucket.competitors[key_record] = lambda: bucket.put_json(
        key_record,
        {
            "keyHash": "0" * 64,
            "requestHash": "f" * 64,
            "comparisonId": f"cmp-{'1' * 32}",
            "createdAt": NOW.isoformat(),
        },
    )

    with pytest.raises(IdempotencyKeyReused):
        compare(bucket, faceid, "key-1")
