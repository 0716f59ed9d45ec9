"""The fault matrix: each failure FaceID or COS can have gives its documented error, leaves no half-written
session or result in the bucket, and the same request completes once the fault is gone."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from faceid_relay.faceid import REQUEST_TIMEOUT_SECONDS
from faceid_relay.settings import Settings
from tests.hardening.harness import (
    FIGURES,
    Bucket,
    assert_error,
    clear_faults,
    drain,
)
from tests.integration.relay import RESULT_CHECK_INTERVAL, Relay, binary_blob, md5_hex, photo

# Past the presigned GET handed to FaceID, within the 10,000 s the COS SDK's own signatures stay valid.
PAST_PROVIDER_URL_LIFETIME = Settings.model_fields["provider_download_ttl"].default + 120
# The FaceID emulator gives up on a download after 5 s (FaceIdEmulatorConfig.download_timeout_seconds).
SLOWER_THAN_FACEID_DOWNLOADS = 6.0


@pytest.fixture(scope="module")
def bucket(relay: Relay) -> Bucket:
    return Bucket(relay.stack)


@dataclass
class Attempt:
    """One request of a flow, ready to send again; `upload` is the key it reads, `token` its BizToken."""

    send: Callable[[], requests.Response]
    upload: str
    token: str | None = None
    put: Callable[[bytes], requests.Response] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def upload_and_wait(relay: Relay, purpose: str, data: bytes, content_type: str) -> str:
    key = relay.upload(purpose, data, content_type)
    drain(relay.stack)
    return key


def verification(relay: Relay) -> Attempt:
    key = upload_and_wait(relay, "compare-image", photo(), "image/jpeg")
    body = {"compareImageKey": key, "returnUrl": f"{relay.base}/demo/result", "reference": "fault-1"}
    return Attempt(lambda: relay.post("/verifications", body), key)


def callback(relay: Relay) -> Attempt:
    key = upload_and_wait(relay, "compare-image", photo(), "image/jpeg")
    issued = relay.start_verification(key, reference="fault-2")
    url = relay.complete_on_faceid(issued["verificationUrl"], "pass")
    return Attempt(lambda: relay.callback(url), key, token=issued["bizToken"])


def sequence(relay: Relay) -> Attempt:
    key = upload_and_wait(relay, "device-data", binary_blob(), "application/octet-stream")
    return Attempt(lambda: relay.post("/sequences", {"deviceDataKey": key}), key)


def comparison(relay: Relay) -> Attempt:
    live = upload_and_wait(relay, "live-data", binary_blob(), "application/octet-stream")
    image = upload_and_wait(relay, "compare-image", photo(), "image/jpeg")
    # Live data is single-use: the retry after a fault is the same request, with the same Idempotency-Key.
    body, key = {"liveDataKey": live, "imageKey": image}, {"Idempotency-Key": f"fault-{live}"}
    return Attempt(lambda: relay.post("/liveness-comparisons", body, key), live)


def upload_by_hand(relay: Relay) -> Attempt:
    """A compare image whose upload URL is kept, so the test can PUT bytes itself (right or wrong)."""
    data = photo()
    answer = relay.post(
        "/uploads",
        {"purpose": "compare-image", "size": len(data), "contentType": "image/jpeg", "md5": md5_hex(data)},
    )
    assert answer.status_code == 200, answer.text
    upload = answer.json()

    def put(content: bytes) -> requests.Response:
        return requests.put(upload["uploadUrl"], data=content, headers=upload["headers"], timeout=30)

    body = {"compareImageKey": upload["key"], "returnUrl": f"{relay.base}/demo/result"}
    return Attempt(lambda: relay.post("/verifications", body), upload["key"], put=put, extra={"data": data})


Flow = Callable[[Relay], Attempt]
Step = Callable[[Relay, Bucket, Attempt], None]


def faceid_fault(action: str, **fault: Any) -> Step:
    def inject(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
        relay.stack.control("faceid", "faults", {"action": action, **fault})

    return inject


def cos_fault(method: str, key_prefix: str, **fault: Any) -> Step:
    def inject(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
        relay.stack.control("cos", "faults", {"method": method, "key_prefix": key_prefix, **fault})

    return inject


def advance_clock(seconds: float) -> Step:
    def advance(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
        relay.stack.control("cos", "clock", {"advance": seconds})

    return advance


def delete_upload(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
    bucket.delete(attempt.upload)


def delete_md5_record(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
    (record,) = bucket.keys(f"upload-records/{attempt.upload.removeprefix('uploads/')}/")
    bucket.delete(record)


def upload_again(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
    """The object back in place (the same bytes under the same key), hashed again by the trigger."""
    bucket.put(attempt.upload, photo(), "image/jpeg")
    drain(relay.stack)


def put_corrupted_bytes(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
    assert attempt.put is not None
    corrupted = attempt.put(attempt.extra["data"][:-1] + b"\x00")
    assert corrupted.status_code == 400
    assert b"<Code>BadDigest</Code>" in corrupted.content


def put_intact_bytes(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
    assert attempt.put is not None
    assert attempt.put(attempt.extra["data"]).status_code == 200
    drain(relay.stack)


def nothing(relay: Relay, bucket: Bucket, attempt: Attempt) -> None:
    """No extra step: clearing the injected faults is enough."""


@dataclass(frozen=True)
class Fault:
    name: str
    flow: Flow
    inject: Step
    status: int
    code: str | None
    restore: Step = nothing
    # Objects a failed callback may leave: media are copied before the final record that points at them, so
    # media without a final record is invisible (no reader looks for it) and the retry reuses it.
    media_may_remain: bool = False


FAULTS = [
    # FaceID answers badly or not at all.
    Fault(
        "FaceID HTTP 503",
        verification,
        faceid_fault("ApplyWebVerificationBizTokenIntl", http_status=503),
        503,
        "ProviderUnavailable",
    ),
    Fault(
        "FaceID HTTP 500 at the callback",
        callback,
        faceid_fault("GetWebVerificationResultIntl", http_status=500),
        503,
        "ProviderUnavailable",
    ),
    Fault(
        "FaceID InternalError",
        comparison,
        faceid_fault("DetectReflectLivenessAndCompare", error_code="InternalError"),
        503,
        "ProviderUnavailable",
    ),
    Fault(
        "FaceID drops the connection",
        sequence,
        faceid_fault("GenerateReflectSequence", drop_connection=True),
        503,
        "ProviderUnavailable",
    ),
    Fault(
        "FaceID reply cut short",
        callback,
        faceid_fault("GetWebVerificationResultIntl", truncate_body=True),
        503,
        "ProviderUnavailable",
    ),
    Fault(
        "FaceID slower than the SDK timeout",
        verification,
        faceid_fault("ApplyWebVerificationBizTokenIntl", delay_seconds=REQUEST_TIMEOUT_SECONDS + 1),
        503,
        "ProviderUnavailable",
    ),
    Fault(
        "FaceID DownLoadError",
        sequence,
        faceid_fault("GenerateReflectSequence", error_code="FailedOperation.DownLoadError"),
        424,
        "ProviderDownloadFailed",
    ),
    Fault(
        "FaceID DownLoadTimeoutError",
        comparison,
        faceid_fault("DetectReflectLivenessAndCompare", error_code="FailedOperation.DownLoadTimeoutError"),
        424,
        "ProviderDownloadFailed",
    ),
    Fault(
        "FaceID RequestLimitExceeded for longer than the function runs",
        sequence,
        faceid_fault("GenerateReflectSequence", error_code="RequestLimitExceeded", count=1000),
        429,
        "RateLimited",
    ),
    Fault(
        "FaceID RequestLimitExceeded twice (retried inside)",
        comparison,
        faceid_fault(
            "DetectReflectLivenessAndCompare", error_code="FailedOperation.RequestLimitExceeded", count=2
        ),
        200,
        None,
    ),
    Fault(
        "FaceID AuthFailure",
        verification,
        faceid_fault("ApplyWebVerificationBizTokenIntl", error_code="AuthFailure.SignatureFailure"),
        502,
        "ProviderAuthFailed",
    ),
    Fault(
        "FaceID UnauthorizedOperation at the callback",
        callback,
        faceid_fault("GetWebVerificationResultIntl", error_code="UnauthorizedOperation.Arrears"),
        502,
        "ProviderAuthFailed",
    ),
    Fault(
        "FaceID BizTokenIllegal at the callback",
        callback,
        faceid_fault("GetWebVerificationResultIntl", error_code="InvalidParameterValue.BizTokenIllegal"),
        404,
        "VerificationNotFound",
    ),
    # COS answers badly; FaceID cannot download what we hand it.
    Fault(
        "COS 500 reading the MD5 record",
        verification,
        cos_fault("GET", "upload-records/", status=500, code="InternalError", count=2),
        503,
        "StorageUnavailable",
    ),
    Fault(
        "COS 503 once (the SDK retries)",
        sequence,
        cos_fault("GET", "upload-records/", status=503, code="ServiceUnavailable"),
        200,
        None,
    ),
    Fault(
        "COS SlowDown writing the session",
        verification,
        cos_fault("PUT", "verifications/", status=503, code="SlowDown", count=2),
        503,
        "StorageUnavailable",
    ),
    Fault(
        "COS SlowDown copying the media",
        callback,
        cos_fault("PUT", "results/", status=503, code="SlowDown", count=2),
        503,
        "StorageUnavailable",
    ),
    Fault(
        "COS 500 writing the final record",
        callback,
        cos_fault("PUT", "verifications/", status=500, code="InternalError", count=2),
        503,
        "StorageUnavailable",
        media_may_remain=True,
    ),
    Fault(
        "COS 500 on FaceID's media",
        comparison,
        cos_fault("GET", "faceid/", status=500, code="InternalError"),
        502,
        "ProviderMediaUnavailable",
    ),
    Fault(
        "COS 500 to FaceID's download",
        sequence,
        cos_fault("GET", "uploads/device-data/", status=500, code="InternalError"),
        424,
        "ProviderDownloadFailed",
    ),
    Fault(
        "COS slower than FaceID's download",
        comparison,
        cos_fault("GET", "uploads/live-data/", delay_seconds=SLOWER_THAN_FACEID_DOWNLOADS),
        424,
        "ProviderDownloadFailed",
    ),
    Fault("missing object", verification, delete_upload, 404, "UploadNotFound", restore=upload_again),
    # No record (an AWS-only deployment, a lost COS event): the first use hashes the upload and goes on.
    Fault("missing MD5 record", verification, delete_md5_record, 200, None),
    Fault(
        "BadDigest on the upload",
        upload_by_hand,
        put_corrupted_bytes,
        404,
        "UploadNotFound",
        restore=put_intact_bytes,
    ),
    Fault(
        "expired presigned URL handed to FaceID",
        sequence,
        advance_clock(PAST_PROVIDER_URL_LIFETIME),
        424,
        "ProviderDownloadFailed",
        restore=advance_clock(-PAST_PROVIDER_URL_LIFETIME),
    ),
]


def visible_state(keys: set[str]) -> set[str]:
    """What a reader acts on: sessions, final and idempotency records, and stored media."""
    return {key for key in keys if key.startswith(("results/", "verifications/", "idempotency/"))}


def assert_consistent(bucket: Bucket) -> None:
    """Every final record points at media that exist with the MD5 it states, and has its session."""
    for key in bucket.keys("verifications/"):
        if key.endswith("/final.json"):
            final = bucket.read_json(key)
            assert bucket.read(key.replace("/final.json", "/session.json")) is not None, key
            for item in final["media"].values():
                assert bucket.md5(item["key"]) == item["md5"], item


def assert_completed(relay: Relay, bucket: Bucket, attempt: Attempt, answer: requests.Response) -> None:
    """What a normal answer of the flow is, and what it stored."""
    if attempt.token is not None:
        assert answer.status_code == 302, answer.text
        assert parse_qs(urlsplit(answer.headers["Location"]).query)["status"] == ["passed"]
        final = bucket.read_json(f"verifications/{attempt.token}/final.json")
        assert final["status"] == "passed"
        assert set(final["media"]) == {"bestFrame", "video"}
        return
    assert answer.status_code == 200, answer.text
    body = answer.json()
    if "bizToken" in body:
        session = bucket.read_json(f"verifications/{body['bizToken']}/session.json")
        assert session["compareImageKey"] == attempt.upload
    elif "reflectSequenceUrl" in body:
        stored = requests.get(body["reflectSequenceUrl"], timeout=30)
        assert md5_hex(stored.content) == body["reflectSequenceMd5"]
    else:
        assert body["passed"] is True
        record = bucket.read_json(f"comparisons/{body['id']}.json")
        assert bucket.md5(record["bestFrame"]["key"]) == body["bestFrame"]["md5"]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_a_fault_gives_its_documented_error_leaves_nothing_half_written_and_a_retry_completes(
    relay: Relay, bucket: Bucket, fault: Fault
) -> None:
    attempt = fault.flow(relay)
    before = bucket.state()
    fault.inject(relay, bucket, attempt)
    try:
        answer = attempt.send()
        during = bucket.state() - before
    finally:
        clear_faults(relay.stack)
        fault.restore(relay, bucket, attempt)

    if fault.code is None:
        assert_completed(relay, bucket, attempt, answer)
    else:
        assert_error(answer, fault.status, fault.code)
        if fault.status in (429, 503):
            assert int(answer.headers["Retry-After"]) >= 1
        written = visible_state(during)
        if fault.media_may_remain and attempt.token is not None:
            written -= {f"results/{attempt.token}/best-frame.jpg", f"results/{attempt.token}/video.mp4"}
        assert written == set(), f"{fault.name} left {sorted(written)}"
    assert_consistent(bucket)

    if attempt.token is not None:
        # FaceID was asked for this token's result in this window: a retry is answered from the next one.
        time.sleep(RESULT_CHECK_INTERVAL)
    retried = attempt.send()

    assert_completed(relay, bucket, attempt, retried)
    assert_consistent(bucket)
    FIGURES["faults survived"] += 1


def test_biz_token_expired_at_the_callback_is_stored_as_an_expired_result(
    relay: Relay, bucket: Bucket
) -> None:
    """FaceID says the result is gone (past its 3-day window): the relay keeps that as the final answer,
    and every later callback and read says the same without asking FaceID again."""
    attempt = callback(relay)
    relay.stack.control(
        "faceid",
        "faults",
        {"action": "GetWebVerificationResultIntl", "error_code": "InvalidParameterValue.BizTokenExpired"},
    )
    try:
        first = attempt.send()
    finally:
        clear_faults(relay.stack)
    asked = len(relay.faceid_calls("GetWebVerificationResultIntl"))

    again = attempt.send()
    result = relay.get(f"/verifications/{attempt.token}").json()

    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert parse_qs(urlsplit(first.headers["Location"]).query)["status"] == ["expired"]
    assert (result["status"], result["errorCode"], result["media"]) == ("expired", 15, {})
    assert len(relay.faceid_calls("GetWebVerificationResultIntl")) == asked
    assert bucket.keys(f"results/{attempt.token}/") == set()
    assert_consistent(bucket)
    FIGURES["faults survived"] += 1
