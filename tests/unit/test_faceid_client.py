"""FaceId in our words: what each action's answer becomes (live and legacy alike), and rate limits retried
only while a whole call still fits in the function's time. FaceID itself is a function answering in memory."""

import base64
from collections.abc import Mapping
from typing import Any

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from faceid_relay.errors import ProviderMediaUnavailable, ProviderRejected, RateLimited
from faceid_relay.faceid import (
    REQUEST_TIMEOUT_SECONDS,
    CompareImage,
    FaceId,
    Resource,
    final_status,
)
from faceid_relay.models.rules import Action
from tests.fakes import settings

LIVE = Resource("https://a-1250000000.cos.ap-singapore.myqcloud.com/live", "0" * 32)
IMAGE = Resource("https://a-1250000000.cos.ap-singapore.myqcloud.com/image", "1" * 32)


class Wire:
    """FaceID's side of the wire: the queued errors first, then `answer`; keeps what was sent."""

    def __init__(self, answer: dict[str, Any], errors: tuple[str, ...] = ()) -> None:
        self.answer = answer
        self.errors = list(errors)
        self.sent: list[tuple[Action, dict[str, Any]]] = []

    def __call__(self, action: Action, params: Mapping[str, Any]) -> dict[str, Any]:
        self.sent.append((action, dict(params)))
        if self.errors:
            raise TencentCloudSDKException(self.errors.pop(0), "from FaceID", "req-1")
        return dict(self.answer)


def faceid(wire: Wire, remaining: float = 30.0, sleeps: list[float] | None = None) -> FaceId:
    return FaceId(
        settings(), lambda: remaining, send=wire, sleep=(sleeps if sleeps is not None else []).append
    )


# --- Rate limits and the function's time ------------------------------------------------------------------


def test_a_rate_limit_is_retried_with_backoff_while_the_function_has_time() -> None:
    wire = Wire(
        {"UploadUrl": "u", "ResourceUrl": "r", "ExpiredTimestamp": 1_800_000_000},
        ("RequestLimitExceeded",) * 2,
    )
    sleeps: list[float] = []

    upload = faceid(wire, remaining=30.0, sleeps=sleeps).create_upload_url(Action.GenerateReflectSequence)

    assert upload.resource_url == "r"
    assert len(wire.sent) == 3
    assert len(sleeps) == 2
    assert all(0 <= delay <= 2.0 for delay in sleeps)


def test_a_rate_limit_with_no_time_left_for_a_whole_call_is_answered_at_once() -> None:
    wire = Wire({}, ("FailedOperation.RequestLimitExceeded",) * 5)
    sleeps: list[float] = []

    with pytest.raises(RateLimited) as raised:
        faceid(wire, remaining=REQUEST_TIMEOUT_SECONDS, sleeps=sleeps).call(
            Action.GenerateReflectSequence, {}
        )

    assert len(wire.sent) == 1
    assert sleeps == []
    assert raised.value.headers() == {"Retry-After": "1"}


def test_other_faceid_errors_are_not_retried() -> None:
    wire = Wire({}, ("InvalidParameterValue",))

    with pytest.raises(ProviderRejected):
        faceid(wire).call(Action.GenerateReflectSequence, {})

    assert len(wire.sent) == 1


# --- Answers per action -----------------------------------------------------------------------------------


def test_a_person_who_fails_liveness_is_a_verdict_not_an_error() -> None:
    wire = Wire({}, ("FailedOperation.SilentDetectFail",))

    verdict = faceid(wire).detect_reflect_liveness_and_compare(LIVE, IMAGE)

    assert (verdict.result, verdict.succeeded, verdict.similarity, verdict.best_frame) == (
        "FailedOperation.SilentDetectFail",
        False,
        None,
        None,
    )


def test_a_passed_comparison_carries_its_similarity_and_best_frame() -> None:
    answer = {
        "Result": "Success",
        "Description": "ok",
        "Sim": 88.2,
        "BestFrameUrl": "u",
        "BestFrameMd5": "AB" * 16,
    }
    wire = Wire(answer | {"RequestId": "req-9"})

    verdict = faceid(wire).detect_reflect_liveness_and_compare(LIVE, IMAGE)

    assert verdict.succeeded
    assert (verdict.similarity, verdict.best_frame, verdict.request_id) == (
        88.2,
        Resource("u", "ab" * 16),
        "req-9",
    )
    assert wire.sent[0][1] == {
        "LiveDataUrl": LIVE.url,
        "LiveDataMd5": LIVE.md5,
        "ImageUrl": IMAGE.url,
        "ImageMd5": IMAGE.md5,
    }


def test_the_live_flavor_sends_the_image_inline_and_the_legacy_one_by_url() -> None:
    live = Wire({"BizToken": "T1", "VerificationURL": "https://live"})
    legacy = Wire({"BizToken": "T2", "VerificationUrl": "https://legacy"})
    image = CompareImage(
        md5="2" * 32, data=b"jpeg", url="https://a-1250000000.cos.ap-singapore.myqcloud.com/i"
    )

    issued_live = faceid(live).apply_web_verification(
        "live", redirect_url="https://relay/callback", compare_image=image, extra="x"
    )
    issued_legacy = faceid(legacy).apply_web_verification(
        "legacy", redirect_url="https://relay/callback", compare_image=image, extra="x"
    )

    assert (issued_live.verification_url, issued_legacy.verification_url) == (
        "https://live",
        "https://legacy",
    )
    assert live.sent[0] == (
        Action.ApplyWebVerificationBizTokenIntl,
        {
            "RedirectURL": "https://relay/callback",
            "Extra": "x",
            "CompareImageBase64": base64.b64encode(b"jpeg").decode(),
        },
    )
    assert legacy.sent[0] == (
        Action.ApplyWebVerificationToken,
        {"RedirectUrl": "https://relay/callback", "CompareImageUrl": image.url, "CompareImageMd5": image.md5},
    )


def test_a_result_without_an_error_code_is_unfinished() -> None:
    outcome = faceid(Wire({"ErrorCode": None})).get_web_verification_result("live", "T1")

    assert outcome.status is None


def test_a_biz_token_past_faceids_window_reads_as_expired() -> None:
    wire = Wire({}, ("InvalidParameterValue.BizTokenExpired",))

    outcome = faceid(wire).get_web_verification_result("live", "T1")

    assert (outcome.status, outcome.error_code, outcome.media) == ("expired", 15, {})


@pytest.mark.parametrize(
    ("error_code", "status"), [(0, "passed"), (15, "expired"), (1001, "failed"), (-1, "failed")]
)
def test_faceids_final_error_code_becomes_a_status(error_code: int, status: str) -> None:
    assert final_status(error_code) == status


def test_live_media_arrives_inline_and_legacy_media_as_links() -> None:
    detail = {"ErrorCode": 0, "Similarity": 90.5, "ReqTimestamp": 1_763_900_000_000}
    live = Wire(
        {"ErrorCode": 0, "ErrorMsg": "ok", "VerificationDetailList": [detail], "BestFrameBase64": "anBlZw=="}
    )
    legacy = Wire({"ErrorCode": 0, "VideoBestFrameUrl": "https://f", "VideoBestFrameMd5": "CD" * 16})

    live_outcome = faceid(live).get_web_verification_result("live", "T1")
    legacy_outcome = faceid(legacy).get_web_verification_result("legacy", "T1")

    assert (live_outcome.status, live_outcome.similarity, live_outcome.media) == (
        "passed",
        90.5,
        {"bestFrame": b"jpeg"},
    )
    assert legacy_outcome.media == {"bestFrame": Resource("https://f", "cd" * 16)}
    assert legacy.sent[0][0] == Action.GetWebVerificationResult


def test_inline_media_that_is_not_base64_is_a_provider_fault() -> None:
    with pytest.raises(ProviderMediaUnavailable):
        faceid(Wire({"ErrorCode": 0, "VideoBase64": "not base64!"})).get_web_verification_result("live", "T1")
