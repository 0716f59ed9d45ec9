"""The web flow's rules, on in-memory fakes: idempotent issuing, one final record per BizToken even when two
finishers race, what FaceID's answer becomes, and where the browser goes back to."""

import hashlib
from typing import Any

import pytest

from faceid_relay.errors import (
    ContentChanged,
    IdempotencyKeyReused,
    InvalidKey,
    InvalidRequest,
    InvalidResourceUrl,
    ProviderDownloadFailed,
    ProviderMediaUnavailable,
    RelayError,
    UploadNotFound,
)
from faceid_relay.faceid import IssuedWebVerification, WebVerificationOutcome
from faceid_relay.flows.issuing import issue_verification_token
from faceid_relay.flows.lifecycle import redact_verification
from faceid_relay.flows.results import finish_verification, read_verification_result
from faceid_relay.models.records import FinalRecord, final_key, idempotency_key
from faceid_relay.models.requests import VerificationRequest
from faceid_relay.models.responses import Attempt
from faceid_relay.models.rules import Action
from faceid_relay.settings import Settings
from tests.fakes import (
    BIZ_TOKEN,
    BUCKET,
    NOW,
    FakeBucket,
    FakeFaceId,
    FakeReceiver,
    md5_of,
    media_link,
    settings,
)

IMAGE_KEY = "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10"
JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 50
OTHER_TOKEN = "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"


def request(**fields: Any) -> VerificationRequest:
    return VerificationRequest.model_validate(
        {"returnUrl": "https://app.example.com/kyc/done", "reference": "order-1", **fields}
    )


def issue(
    bucket: FakeBucket,
    faceid: FakeFaceId,
    key: str | None = None,
    config: Settings | None = None,
    **fields: Any,
) -> str:
    issued = issue_verification_token(request(**fields), key, config or settings(), bucket, faceid)
    return issued.biz_token


def passed(bucket: FakeBucket) -> WebVerificationOutcome:
    # One attempt, all checks passed (0), as FaceID's VerificationDetail reports it.
    codes = dict.fromkeys(("error_code", "liveness_error_code", "compare_error_code"), 0)
    attempt = Attempt(**codes, error_message="Success", similarity=91.5, at=NOW)
    return WebVerificationOutcome(
        "passed", 0, "Success", [attempt], {"bestFrame": JPEG, "video": media_link(bucket, b"mp4 bytes")}
    )


# --- Issuing ------------------------------------------------------------------------------------------------


def test_a_retried_request_with_the_same_idempotency_key_gets_the_same_biz_token_from_one_faceid_call() -> (
    None
):
    bucket, faceid = FakeBucket(), FakeFaceId()

    first = issue(bucket, faceid, "retry-1")
    faceid.issued = IssuedWebVerification(OTHER_TOKEN, "https://faceid.example/other")
    second = issue(bucket, faceid, "retry-1")

    assert first == second == BIZ_TOKEN
    assert faceid.actions() == [Action.ApplyWebVerificationBizTokenIntl]


def test_an_idempotency_key_reused_for_another_request_is_refused() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    issue(bucket, faceid, "retry-1")

    with pytest.raises(IdempotencyKeyReused) as raised:
        issue(bucket, faceid, "retry-1", reference="order-2")

    assert raised.value.field == "Idempotency-Key"


def test_when_a_concurrent_retry_claims_the_key_first_both_answer_with_its_biz_token() -> None:
    bucket = FakeBucket()
    winner = FakeFaceId(issued=IssuedWebVerification(OTHER_TOKEN, "https://faceid.example/other"))
    claimed: list[str] = []
    # The retry claims the key between our FaceID call and our own claim.
    claim = idempotency_key(hashlib.sha256(b"retry-1").hexdigest())
    bucket.competitors[claim] = lambda: claimed.append(issue(bucket, winner, "retry-1"))

    ours = issue(bucket, FakeFaceId(), "retry-1")

    assert ours == claimed[0] == OTHER_TOKEN


def test_without_an_idempotency_key_every_request_is_a_new_verification() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()

    issue(bucket, faceid)
    faceid.issued = IssuedWebVerification(OTHER_TOKEN, "https://faceid.example/other")
    second = issue(bucket, faceid)

    assert second == OTHER_TOKEN
    assert len(faceid.calls) == 2


def test_the_live_flavor_sends_the_recorded_compare_image_itself() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    record = bucket.put_upload(IMAGE_KEY, JPEG, "image/jpeg")

    issue(bucket, faceid, compareImageKey=IMAGE_KEY)

    image = faceid.calls[0][1]["compare_image"]
    assert (image.data, image.md5, image.url) == (JPEG, record.md5, None)


@pytest.mark.parametrize(
    ("key", "error"),
    [(IMAGE_KEY, UploadNotFound), ("results/not-an-upload.jpg", InvalidKey)],
)
def test_the_live_flavor_refuses_a_compare_image_key_that_names_no_upload_before_faceid(
    key: str, error: type[RelayError]
) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()

    with pytest.raises(error) as raised:
        issue(bucket, faceid, compareImageKey=key)

    assert raised.value.field == "compareImageKey"
    assert faceid.calls == []


def test_the_legacy_flavor_sends_a_download_url_and_refuses_to_run_without_an_image() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    legacy = settings(RELAY_API_FLAVOR="legacy", RELAY_ALLOWED_RETURN_ORIGINS="https://app.example.com")
    bucket.put_upload(IMAGE_KEY, JPEG, "image/jpeg")

    issue(bucket, faceid, config=legacy, compareImageKey=IMAGE_KEY)
    with pytest.raises(InvalidRequest) as raised:
        issue(bucket, faceid, config=legacy)

    image = faceid.calls[0][1]["compare_image"]
    assert image.data is None
    assert image.url.startswith(f"https://{BUCKET}.cos.ap-singapore.myqcloud.com/{IMAGE_KEY}?")
    assert raised.value.field == "compareImageKey"


# The resourceUrl a POST /uploads with via=faceid hands back (FaceID's own bucket in the region).
FACEID_IMAGE_URL = (
    "https://faceid-resource-singapore-1254418846.cos.ap-singapore.myqcloud.com/faceid/"
    "ApplyWebVerificationToken/6c1a?sign=fake"
)


def test_the_legacy_flavor_passes_a_compare_image_url_and_md5_through_as_given() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    legacy = settings(RELAY_API_FLAVOR="legacy")

    issue(bucket, faceid, config=legacy, compareImageUrl=FACEID_IMAGE_URL, compareImageMd5=md5_of(JPEG))

    image = faceid.calls[0][1]["compare_image"]
    assert (image.url, image.md5, image.data) == (FACEID_IMAGE_URL, md5_of(JPEG), None)


def test_the_live_flavor_downloads_a_compare_image_url_once_and_sends_its_bytes() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    bucket.remote[FACEID_IMAGE_URL] = JPEG

    issue(bucket, faceid, compareImageUrl=FACEID_IMAGE_URL, compareImageMd5=md5_of(JPEG).upper())

    image = faceid.calls[0][1]["compare_image"]
    assert (image.data, image.md5, image.url) == (JPEG, md5_of(JPEG), None)


def test_the_live_flavor_refuses_a_compare_image_whose_bytes_differ_from_the_given_md5() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    bucket.remote[FACEID_IMAGE_URL] = JPEG

    with pytest.raises(ContentChanged) as raised:
        issue(bucket, faceid, compareImageUrl=FACEID_IMAGE_URL, compareImageMd5=md5_of(b"another photo"))

    assert raised.value.field == "compareImageMd5"
    assert faceid.calls == []


def test_the_live_flavor_refuses_a_compare_image_url_it_cannot_download_within_the_size_cap() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    bucket.remote[FACEID_IMAGE_URL] = b"\xff\xd8" + b"0" * 6_000_000

    with pytest.raises(ProviderDownloadFailed) as raised:
        issue(bucket, faceid, compareImageUrl=FACEID_IMAGE_URL, compareImageMd5=md5_of(JPEG))

    assert raised.value.field == "compareImageUrl"
    assert faceid.calls == []


@pytest.mark.parametrize("flavor", ["live", "legacy"])
def test_a_compare_image_url_outside_the_deployments_region_is_refused_before_faceid(flavor: str) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    elsewhere = FACEID_IMAGE_URL.replace("ap-singapore", "ap-bangkok")

    with pytest.raises(InvalidResourceUrl) as raised:
        issue(
            bucket,
            faceid,
            config=settings(RELAY_API_FLAVOR=flavor),
            compareImageUrl=elsewhere,
            compareImageMd5=md5_of(JPEG),
        )

    assert raised.value.field == "compareImageUrl"
    assert faceid.calls == []


def test_metadata_and_extra_are_kept_with_the_session_and_faceids_request_id_with_the_result(
    clock: "Clock",
) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid, metadata={"userId": "u-1"}, extra="campaign-7")
    pending = read_verification_result(token, settings(), bucket, faceid)
    clock.now += settings().result_check_interval
    faceid.outcome = WebVerificationOutcome("passed", 0, "Success", request_id="req-9", extra="campaign-7")

    final = read_verification_result(token, settings(), bucket, faceid)

    assert (pending.metadata, pending.extra, pending.request_id) == ({"userId": "u-1"}, "campaign-7", None)
    assert (final.metadata, final.extra, final.request_id) == ({"userId": "u-1"}, "campaign-7", "req-9")


# --- Results ------------------------------------------------------------------------------------------------


class Clock:
    """time.time() for the flows, moved by the test."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(NOW.timestamp())
    monkeypatch.setattr("faceid_relay.flows.results.time.time", clock)
    return clock


def test_an_unfinished_verification_reads_pending_and_asks_faceid_again_next_time(clock: Clock) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)

    result = read_verification_result(token, settings(), bucket, faceid)
    clock.now += settings().result_check_interval
    read_verification_result(token, settings(), bucket, faceid)

    assert (result.status, result.error_code, result.attempts, result.finalized_at) == (
        "pending",
        None,
        [],
        None,
    )
    assert faceid.actions().count(Action.GetWebVerificationResultIntl) == 2
    assert bucket.read_json(final_key(token)) is None


def test_faceid_is_asked_for_a_pending_result_once_per_window_whoever_asks(clock: Clock) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)
    clock.now = (clock.now // 2 + 1) * 2  # the start of a window

    for _ in range(3):
        assert "status=pending" in finish_verification(token, settings(), bucket, faceid)
        assert read_verification_result(token, settings(), bucket, faceid).status == "pending"
        clock.now += 0.5
    first_window = faceid.actions().count(Action.GetWebVerificationResultIntl)
    clock.now += 0.5
    faceid.outcome = WebVerificationOutcome("failed", 3, "spoof")
    finished = finish_verification(token, settings(), bucket, faceid)

    assert first_window == 1
    assert "status=failed" in finished
    assert faceid.actions().count(Action.GetWebVerificationResultIntl) == 2


def test_a_finished_verification_is_copied_once_and_read_from_the_bucket_afterwards() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)
    faceid.outcome = passed(bucket)

    location = finish_verification(token, settings(), bucket, faceid)
    faceid.outcome = WebVerificationOutcome("failed", 3, "changed its mind")
    result = read_verification_result(token, settings(), bucket, faceid)

    assert location == "https://app.example.com/kyc/done?status=passed&reference=order-1"
    assert result.media is not None
    assert (result.status, result.similarity, sorted(result.media)) == (
        "passed",
        91.5,
        ["bestFrame", "video"],
    )
    assert result.media["bestFrame"].size == len(JPEG)
    assert bucket.read_bytes(f"results/{token}/best-frame.jpg") == JPEG
    assert faceid.actions().count(Action.GetWebVerificationResultIntl) == 1


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (WebVerificationOutcome("passed", 0, "Success"), "passed"),
        (WebVerificationOutcome("failed", 1001, "Liveness failed"), "failed"),
        (WebVerificationOutcome("expired", 15, "BizToken expired."), "expired"),
    ],
)
def test_the_browser_goes_back_with_the_final_status(outcome: WebVerificationOutcome, status: str) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)
    faceid.outcome = outcome

    location = finish_verification(token, settings(), bucket, faceid)

    assert location.startswith(f"https://app.example.com/kyc/done?status={status}&")
    assert read_verification_result(token, settings(), bucket, faceid).error_code == outcome.error_code


def test_when_two_finishers_race_both_answer_with_the_record_that_was_written_first() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)
    faceid.outcome = passed(bucket)
    first = FinalRecord(
        biz_token=token,
        status="failed",
        error_code=1001,
        error_message="written by the other finisher",
        similarity=None,
        attempts=[],
        media={},
        finalized_at=NOW,
    )
    bucket.competitors[final_key(token)] = lambda: bucket.put_json(
        final_key(token), first.model_dump(mode="json")
    )

    location = finish_verification(token, settings(), bucket, faceid)
    result = read_verification_result(token, settings(), bucket, faceid)

    assert "status=failed" in location
    assert (result.status, result.error_message) == ("failed", "written by the other finisher")


def test_damaged_result_media_leaves_the_verification_unfinished_so_a_retry_can_copy_it() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid)
    link = media_link(bucket, b"mp4 bytes")
    bucket.remote[link.url] = b"cut sh"
    faceid.outcome = WebVerificationOutcome("passed", 0, "Success", [], {"video": link})

    with pytest.raises(ProviderMediaUnavailable):
        finish_verification(token, settings(), bucket, faceid)

    assert bucket.read_json(final_key(token)) is None


def test_the_compare_image_is_deleted_once_final_when_the_deployment_asks() -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    config = settings(RELAY_DELETE_COMPARE_IMAGE="true")
    bucket.put_upload(IMAGE_KEY, JPEG, "image/jpeg")
    token = issue(bucket, faceid, config=config, compareImageKey=IMAGE_KEY)
    faceid.outcome = WebVerificationOutcome("passed", 0, "Success")

    finish_verification(token, config, bucket, faceid)
    finish_verification(token, config, bucket, faceid)

    assert bucket.deleted == [IMAGE_KEY]


@pytest.mark.parametrize(
    ("return_url", "reference", "location"),
    [
        ("https://app.example.com/done", None, "https://app.example.com/done?status=passed"),
        ("https://app.example.com/done?", "r-1", "https://app.example.com/done?status=passed&reference=r-1"),
        ("https://app.example.com/done?a=1&", None, "https://app.example.com/done?a=1&status=passed"),
        (
            "https://app.example.com/done?sig=a%2Fb+c#step-2",
            "r:1",
            "https://app.example.com/done?sig=a%2Fb+c&status=passed&reference=r%3A1#step-2",
        ),
    ],
)
def test_the_return_location_keeps_the_apps_own_query_and_fragment_byte_for_byte(
    return_url: str, reference: str | None, location: str
) -> None:
    bucket, faceid = FakeBucket(), FakeFaceId()
    token = issue(bucket, faceid, returnUrl=return_url, reference=reference)
    faceid.outcome = WebVerificationOutcome("passed", 0, "Success")

    assert finish_verification(token, settings(), bucket, faceid) == location


def test_webhooks_carry_the_apps_metadata_when_it_gave_any_and_not_after_a_redaction() -> None:
    bucket, faceid, receiver = FakeBucket(), FakeFaceId(), FakeReceiver()
    with_metadata = issue(bucket, faceid, metadata={"userId": "u-1"})
    faceid.issued = IssuedWebVerification(OTHER_TOKEN, f"https://faceid.example/verify/{OTHER_TOKEN}")
    without = issue(bucket, faceid)
    faceid.outcome = WebVerificationOutcome("passed", 0, "Success")

    finish_verification(with_metadata, settings(), bucket, faceid, receiver)
    finish_verification(without, settings(), bucket, faceid, receiver)
    redact_verification(with_metadata, settings(), bucket, receiver)

    passed_with, passed_without, redacted = (event["data"] for event in receiver.events())
    assert passed_with["metadata"] == {"userId": "u-1"}
    assert "metadata" not in passed_without
    assert "metadata" not in redacted
