"""The app-SDK flows on in-memory fakes: resources by key or by URL, FaceID's files copied into results/
only when their MD5 checks out, and the pass threshold."""

import pytest

from faceid_relay.errors import InvalidResourceUrl, ProviderMediaUnavailable
from faceid_relay.faceid import LivenessVerdict, ReflectSequence
from faceid_relay.flows.comparisons import compare_liveness
from faceid_relay.flows.sequences import generate_sequence
from faceid_relay.models.requests import LivenessComparisonRequest, SequenceRequest
from tests.fakes import FakeBucket, FakeFaceId, md5_of, media_link, settings

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


@pytest.mark.parametrize(("similarity", "passed"), [(70.0, True), (69.9, False)])
def test_a_comparison_passes_from_the_deployments_threshold(similarity: float, passed: bool) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    bucket.put_upload(LIVE_KEY, BINARY, "application/octet-stream")
    bucket.put_upload(IMAGE_KEY, JPEG, "image/jpeg")
    faceid.verdict = LivenessVerdict("Success", "ok", similarity, media_link(bucket, JPEG), "req-1")

    answer = compare_liveness(
        LivenessComparisonRequest(live_data_key=LIVE_KEY, image_key=IMAGE_KEY), settings(), bucket, faceid
    )

    assert answer.passed is passed
    assert answer.best_frame is not None
    assert bucket.read_bytes(answer.best_frame.key) == JPEG


def test_a_person_who_fails_liveness_gets_the_verdict_with_no_similarity_and_no_best_frame() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    bucket.put_upload(LIVE_KEY, BINARY, "application/octet-stream")
    bucket.put_upload(IMAGE_KEY, JPEG, "image/jpeg")
    faceid.verdict = LivenessVerdict("FailedOperation.SilentDetectFail", "not live", None, None, "req-1")

    answer = compare_liveness(
        LivenessComparisonRequest(live_data_key=LIVE_KEY, image_key=IMAGE_KEY), settings(), bucket, faceid
    )

    assert (answer.result, answer.similarity, answer.passed, answer.best_frame) == (
        "FailedOperation.SilentDetectFail",
        0.0,
        False,
        None,
    )
