"""The only code that calls FaceID: the intl SDK's client (and CommonClient for the legacy actions
the SDK no longer ships), retries on rate limits within the function's time, and error mapping."""

import base64
import binascii
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import Any

import requests
from aws_lambda_powertools.metrics import MetricUnit
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.faceid.v20180301 import faceid_client, models

from faceid_relay.errors import (
    ContentChanged,
    ProviderAuthFailed,
    ProviderDownloadFailed,
    ProviderMediaUnavailable,
    ProviderRejected,
    ProviderUnavailable,
    RateLimited,
    RelayError,
    VerificationExpired,
    VerificationNotFound,
)
from faceid_relay.models.records import FinalStatus
from faceid_relay.models.responses import Attempt
from faceid_relay.models.rules import WEB_ACTIONS, Action, ApiFlavor, WebActions
from faceid_relay.observability import metrics
from faceid_relay.settings import Settings

API_VERSION = "2018-03-01"
# Actions removed from the intl SDK in 3.1.50 (reference §0.2): called through CommonClient.
LEGACY_ACTIONS = frozenset({Action.ApplyWebVerificationToken, Action.GetWebVerificationResult})
# DetectReflectLivenessAndCompare outcomes that arrive as errors but are verdicts about the person,
# not faults (tencentcloud-sdk-go-intl-en faceid client.go error list, reference §1.4).
LIVENESS_VERDICT_CODES = frozenset(
    {
        "FailedOperation.ActionLightDark",
        "FailedOperation.ActionLightStrong",
        "FailedOperation.ImageBlur",
        "FailedOperation.LifePhotoDetectFake",
        "FailedOperation.LivessDetectFail",
        "FailedOperation.LivessDetectFake",
        "FailedOperation.SilentDetectFail",
        "FailedOperation.SilentFaceDetectFail",
        "FailedOperation.SilentFaceQualityFail",
        "FailedOperation.SilentMultiFaceFail",
        "FailedOperation.SilentPictureLiveFail",
        "FailedOperation.SilentThreshold",
        "InternalError.ActionLightDark",
        "InternalError.ActionLightStrong",
        "InternalError.ActionNodetectFace",
        "InternalError.CompareLowSimilarity",
        "InternalError.LifePhotoPoorQuality",
    }
)
RATE_LIMIT_CODES = frozenset({"RequestLimitExceeded", "FailedOperation.RequestLimitExceeded"})
# One FaceID call (its own download of our resources included) plus one media fetch (storage.py, 8 s) stay
# well inside the 30 s the templates give these functions.
REQUEST_TIMEOUT_SECONDS = 15
BACKOFF_BASE_SECONDS = 0.2
BACKOFF_CAP_SECONDS = 2.0
# Jitter from the OS on every draw: Lambda SnapStart resumes many environments from one snapshot, and the
# `random` module's generator, seeded at import, would give them all the same "random" delays.
BACKOFF_JITTER = random.SystemRandom()
# A retry starts only if a whole call still fits in the function's time, so the caller gets our 429
# rather than the platform's timeout.
SECONDS_NEEDED_FOR_A_RETRY = REQUEST_TIMEOUT_SECONDS + 1.0

# GetWebVerificationResult(Intl) ErrorCode of a BizToken the user did not finish in time (reference §1.2).
ERROR_CODE_TOKEN_EXPIRED = 15

# What a FaceID call can answer a caller (provider_error): any call; one where FaceID downloads a resource.
PROVIDER_ERRORS: tuple[type[RelayError], ...] = (
    ProviderAuthFailed,
    RateLimited,
    ProviderUnavailable,
    ProviderRejected,
)
PROVIDER_DOWNLOAD_ERRORS: tuple[type[RelayError], ...] = (ProviderDownloadFailed, ContentChanged)

RemainingSeconds = Callable[[], float]
# One FaceID call as sent: the action and its parameters in, the JSON answer out (SDK errors raised).
Send = Callable[[Action, Mapping[str, Any]], dict[str, Any]]


def provider_error(error: TencentCloudSDKException) -> RelayError:
    """One place that says what each FaceID error means for our caller."""
    code = error.get_code() or ""
    request_id = error.get_request_id()
    reference = f" (FaceID {code}, request {request_id})" if request_id else f" (FaceID {code})"
    if code.startswith(("AuthFailure", "UnauthorizedOperation")) or code == "InvalidCredential":
        return ProviderAuthFailed(ProviderAuthFailed.message + reference)
    if code in RATE_LIMIT_CODES or code.startswith("RequestLimitExceeded"):
        return RateLimited(retry_after=1)
    if code in ("FailedOperation.DownLoadError", "FailedOperation.DownLoadTimeoutError") or code.endswith(
        "ImageDownloadError"
    ):
        return ProviderDownloadFailed(ProviderDownloadFailed.message + reference)
    if code == "InvalidParameterValue.BizTokenExpired":
        return VerificationExpired()
    if code == "InvalidParameterValue.BizTokenIllegal":
        return VerificationNotFound()
    # ServerNetworkError carries the raw response body, as bytes.
    message = error.get_message() or ""
    if "MD5" in (message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)).upper():
        return ContentChanged(ContentChanged.message + reference)
    if _is_transport_failure(code) or code.startswith(("InternalError", "ResourceUnavailable")):
        return ProviderUnavailable(ProviderUnavailable.message + reference)
    return ProviderRejected(
        f"FaceID refused the request: {code}{reference}. Check the input named in the code."
    )


def _is_transport_failure(code: str) -> bool:
    """The SDK's own network codes, and the exception class names it wraps as codes (e.g. a reply cut
    short surfaces as "ChunkedEncodingError"): Tencent's codes never end like these."""
    return "." not in code and code.endswith(("NetworkError", "EncodingError", "ConnectionError", "Timeout"))


# --- What FaceID answers, per action, in our words --------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """A file on COS by URL, with the MD5 (hex) it must have: one FaceID downloads from our bucket, or one
    FaceID hands back on its own bucket for a short time."""

    url: str
    md5: str


# What FaceID hands back: a link to download at once, or the bytes themselves.
ProviderMedia = Resource | bytes


@dataclass(frozen=True)
class UploadUrl:
    """CreateUploadUrl: where to PUT, and the URL FaceID reads the file from afterwards."""

    upload_url: str
    resource_url: str
    expires_at: datetime


@dataclass(frozen=True)
class ReflectSequence:
    """GenerateReflectSequence: the light sequence for the app SDK."""

    sequence: Resource
    request_id: str


@dataclass(frozen=True)
class LivenessVerdict:
    """DetectReflectLivenessAndCompare: "Success", or the code saying why the person did not pass."""

    result: str
    description: str
    similarity: float | None
    best_frame: Resource | None
    request_id: str

    @property
    def succeeded(self) -> bool:
        return self.result == "Success"


@dataclass(frozen=True)
class CompareImage:
    """The photo a web verification compares the face with, in the form the flavor sends it."""

    md5: str
    data: bytes | None = None
    url: str | None = None


@dataclass(frozen=True)
class IssuedWebVerification:
    biz_token: str
    verification_url: str


@dataclass(frozen=True)
class WebVerificationOutcome:
    """A web verification's result; `status` None while the user has not finished."""

    status: FinalStatus | None
    error_code: int | None = None
    error_message: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    media: dict[str, ProviderMedia] = field(default_factory=dict)
    request_id: str | None = None
    extra: str | None = None

    @property
    def similarity(self) -> float | None:
        """The last attempt's similarity."""
        return self.attempts[-1].similarity if self.attempts else None


@dataclass(frozen=True)
class WebFlavor:
    """How one web-flow flavor talks to FaceID. live: the Intl actions, the compare image sent inline
    (base64), result media inline. legacy (reference §1.2, §5): the image as a URL + MD5 and required,
    no Extra, result media as URLs valid 10 minutes."""

    actions: WebActions
    token_lifetime: timedelta
    needs_compare_image: bool
    sends_compare_image_inline: bool


WEB_FLAVORS: Mapping[ApiFlavor, WebFlavor] = MappingProxyType(
    {
        "live": WebFlavor(WEB_ACTIONS["live"], timedelta(minutes=10), False, True),
        "legacy": WebFlavor(WEB_ACTIONS["legacy"], timedelta(seconds=7200), True, False),
    }
)
_REDIRECT_FIELD: Mapping[ApiFlavor, str] = MappingProxyType({"live": "RedirectURL", "legacy": "RedirectUrl"})
_INLINE_MEDIA = {"bestFrame": "BestFrameBase64", "video": "VideoBase64"}
_LINKED_MEDIA = {"bestFrame": ("VideoBestFrameUrl", "VideoBestFrameMd5"), "video": ("VideoUrl", "VideoMd5")}


class FaceId:
    """FaceID for one deployment region. `remaining` tells how long the function may still run; without
    `backoff` (a path anyone may call) a rate limit is raised at once instead of retried.

    Each action has a method that takes and returns our types; `call` is the raw action call beneath them."""

    def __init__(
        self,
        settings: Settings,
        remaining: RemainingSeconds | None = None,
        *,
        send: Send | None = None,
        sleep: Callable[[float], None] = time.sleep,
        backoff: bool = True,
    ) -> None:
        self._send: Send = send or _SdkSender(settings)
        self._remaining: RemainingSeconds = remaining or (lambda: 30.0)
        self._sleep = sleep
        self._backoff = backoff

    def create_upload_url(self, target_action: Action) -> UploadUrl:
        answer = self.call(Action.CreateUploadUrl, {"TargetAction": str(target_action)})
        return UploadUrl(
            upload_url=str(answer["UploadUrl"]),
            resource_url=str(answer["ResourceUrl"]),
            expires_at=datetime.fromtimestamp(int(answer["ExpiredTimestamp"]), timezone.utc),
        )

    def generate_reflect_sequence(self, device_data: Resource, security_level: str) -> ReflectSequence:
        answer = self.call(
            Action.GenerateReflectSequence,
            {
                "DeviceDataUrl": device_data.url,
                "DeviceDataMd5": device_data.md5,
                "SecurityLevel": security_level,
            },
        )
        return ReflectSequence(
            Resource(str(answer["ReflectSequenceUrl"]), str(answer["ReflectSequenceMd5"]).lower()),
            request_id=str(answer.get("RequestId", "")),
        )

    def detect_reflect_liveness_and_compare(self, live_data: Resource, image: Resource) -> LivenessVerdict:
        """A person who fails the check is a verdict, not an error (LIVENESS_VERDICT_CODES)."""
        params = {
            "LiveDataUrl": live_data.url,
            "LiveDataMd5": live_data.md5,
            "ImageUrl": image.url,
            "ImageMd5": image.md5,
        }
        try:
            answer = self._call_with_retries(Action.DetectReflectLivenessAndCompare, params)
        except TencentCloudSDKException as error:
            if error.get_code() not in LIVENESS_VERDICT_CODES:
                raise provider_error(error) from error
            return LivenessVerdict(
                result=str(error.get_code()),
                description=str(error.get_message() or ""),
                similarity=None,
                best_frame=None,
                request_id=str(error.get_request_id() or ""),
            )
        best_frame = (
            Resource(str(answer["BestFrameUrl"]), str(answer.get("BestFrameMd5", "")).lower())
            if answer.get("BestFrameUrl")
            else None
        )
        return LivenessVerdict(
            result=str(answer.get("Result", "")),
            description=str(answer.get("Description", "")),
            similarity=float(answer["Sim"]) if answer.get("Sim") is not None else None,
            best_frame=best_frame,
            request_id=str(answer.get("RequestId", "")),
        )

    def apply_web_verification(
        self, flavor: ApiFlavor, *, redirect_url: str, compare_image: CompareImage | None, extra: str | None
    ) -> IssuedWebVerification:
        params: dict[str, Any] = {_REDIRECT_FIELD[flavor]: redirect_url}
        if flavor == "live":
            if extra:
                params["Extra"] = extra
            if compare_image is not None and compare_image.data is not None:
                params["CompareImageBase64"] = base64.b64encode(compare_image.data).decode("ascii")
        elif compare_image is not None:
            params |= {"CompareImageUrl": compare_image.url, "CompareImageMd5": compare_image.md5}
        answer = self.call(WEB_FLAVORS[flavor].actions.issue, params)
        return IssuedWebVerification(
            biz_token=str(answer["BizToken"]),
            verification_url=str(answer.get("VerificationURL") or answer.get("VerificationUrl")),
        )

    def get_web_verification_result(self, flavor: ApiFlavor, biz_token: str) -> WebVerificationOutcome:
        """Past FaceID's 3-day window the token is expired, with nothing left to copy."""
        try:
            answer = self.call(WEB_FLAVORS[flavor].actions.read_result, {"BizToken": biz_token})
        except VerificationExpired:
            return WebVerificationOutcome("expired", ERROR_CODE_TOKEN_EXPIRED, "BizToken expired.")
        if answer.get("ErrorCode") is None:
            return WebVerificationOutcome(status=None)
        error_code = int(answer["ErrorCode"])
        return WebVerificationOutcome(
            status=final_status(error_code),
            error_code=error_code,
            error_message=answer.get("ErrorMsg"),
            attempts=[_attempt(detail) for detail in answer.get("VerificationDetailList") or []],
            media=_linked_media(answer) if flavor == "legacy" else _inline_media(answer),
            request_id=answer.get("RequestId"),
            extra=answer.get("Extra"),
        )

    def call(self, action: Action, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call an action; rate limits are retried with full-jitter backoff while the function has time."""
        try:
            return self._call_with_retries(action, params)
        except TencentCloudSDKException as error:
            raise provider_error(error) from error

    def _call_with_retries(self, action: Action, params: Mapping[str, Any]) -> dict[str, Any]:
        """SDK errors other than a rate limit come out as they are; a rate limit is retried only while
        a whole call still fits in the function's time, else it is RateLimited."""
        attempt = 0
        while True:
            try:
                return self._call_once(action, dict(params))
            except TencentCloudSDKException as error:
                if not isinstance(provider_error(error), RateLimited):
                    raise
                delay = BACKOFF_JITTER.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))
                if not self._backoff or self._remaining() < delay + SECONDS_NEEDED_FOR_A_RETRY:
                    raise
                metrics.add_metric(name="ProviderRateLimitRetries", unit=MetricUnit.Count, value=1)
                self._sleep(delay)
                attempt += 1

    def _call_once(self, action: Action, params: dict[str, Any]) -> dict[str, Any]:
        return self._send(action, params)


def final_status(error_code: int) -> FinalStatus:
    """What a finished web verification's ErrorCode means: 0 passed, 15 not finished in time, else failed."""
    if error_code == 0:
        return "passed"
    return "expired" if error_code == ERROR_CODE_TOKEN_EXPIRED else "failed"


def _attempt(detail: Mapping[str, Any]) -> Attempt:
    timestamp = detail.get("ReqTimestamp")
    return Attempt(
        error_code=detail.get("ErrorCode"),
        error_message=detail.get("ErrorMsg"),
        liveness_error_code=detail.get("LivenessErrorCode"),
        compare_error_code=detail.get("CompareErrorCode"),
        similarity=detail.get("Similarity"),
        at=datetime.fromtimestamp(int(timestamp) / 1000, timezone.utc) if timestamp else None,
    )


def _inline_media(answer: Mapping[str, Any]) -> dict[str, ProviderMedia]:
    media: dict[str, ProviderMedia] = {}
    for name, wire_name in _INLINE_MEDIA.items():
        if answer.get(wire_name):
            try:
                media[name] = base64.b64decode(str(answer[wire_name]), validate=True)
            except binascii.Error as error:
                raise ProviderMediaUnavailable(
                    "FaceID's result media was not valid base64. Retry."
                ) from error
    return media


def _linked_media(answer: Mapping[str, Any]) -> dict[str, ProviderMedia]:
    # Legacy result URLs live 10 minutes (reference §1.2): the caller downloads them at once.
    return {
        name: Resource(str(answer[url]), str(answer.get(md5, "")).lower())
        for name, (url, md5) in _LINKED_MEDIA.items()
        if answer.get(url)
    }


class _SdkSender:
    """One call through the intl SDK's client, or CommonClient for the legacy actions it no longer ships."""

    def __init__(self, settings: Settings) -> None:
        token = settings.session_token.get_secret_value() if settings.session_token else None
        cred = credential.Credential(settings.secret_id, settings.secret_key.get_secret_value(), token)
        http = HttpProfile(
            endpoint=settings.faceid_host, protocol=settings.faceid_scheme, reqTimeout=REQUEST_TIMEOUT_SECONDS
        )
        profile = ClientProfile(httpProfile=http, language="en-US")
        self._client = faceid_client.FaceidClient(cred, settings.region, profile)
        self._common = CommonClient("faceid", API_VERSION, cred, settings.region, profile)

    def __call__(self, action: Action, params: Mapping[str, Any]) -> dict[str, Any]:
        if action in LEGACY_ACTIONS:
            try:
                answer: dict[str, Any] = self._common.call_json(action.value, dict(params))["Response"]
            except requests.RequestException as error:
                # CommonClient lets a body that breaks off mid-read escape unwrapped.
                raise TencentCloudSDKException("ClientNetworkError", type(error).__name__) from error
            return answer
        request = getattr(models, f"{action.value}Request")()
        request.from_json_string(json.dumps(dict(params)))
        response = getattr(self._client, action.value)(request)
        result: dict[str, Any] = json.loads(response.to_json_string())
        return result
