"""The only code that calls FaceID: the intl SDK's client (and CommonClient for the legacy actions
the SDK no longer ships), retries on rate limits within the function's time, and error mapping."""

import json
import random
import time
from collections.abc import Callable
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
    ProviderRejected,
    ProviderUnavailable,
    RateLimited,
    RelayError,
    VerificationExpired,
    VerificationNotFound,
)
from faceid_relay.models.rules import Action
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
# A retry starts only if a whole call still fits in the function's time, so the caller gets our 429
# rather than the platform's timeout.
SECONDS_NEEDED_FOR_A_RETRY = REQUEST_TIMEOUT_SECONDS + 1.0

RemainingSeconds = Callable[[], float]


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


class FaceId:
    """FaceID for one deployment region. `remaining` tells how long the function may still run; without
    `backoff` (a path anyone may call) a rate limit is raised at once instead of retried."""

    def __init__(
        self, settings: Settings, remaining: RemainingSeconds | None = None, *, backoff: bool = True
    ) -> None:
        token = settings.session_token.get_secret_value() if settings.session_token else None
        cred = credential.Credential(settings.secret_id, settings.secret_key.get_secret_value(), token)
        http = HttpProfile(
            endpoint=settings.faceid_host, protocol=settings.faceid_scheme, reqTimeout=REQUEST_TIMEOUT_SECONDS
        )
        profile = ClientProfile(httpProfile=http, language="en-US")
        self._client = faceid_client.FaceidClient(cred, settings.region, profile)
        self._common = CommonClient("faceid", API_VERSION, cred, settings.region, profile)
        self._remaining: RemainingSeconds = remaining or (lambda: 30.0)
        self._backoff = backoff

    def call(
        self, action: Action, params: dict[str, Any], verdicts: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """Call an action; rate limits are retried with full-jitter backoff while the function has time.
        Error codes in `verdicts` come back as `{"Result": code, "Description": message}` instead."""
        attempt = 0
        while True:
            try:
                return self._call_once(action, params)
            except TencentCloudSDKException as error:
                if error.get_code() in verdicts:
                    return {
                        "Result": error.get_code(),
                        "Description": error.get_message(),
                        "Sim": 0.0,
                        "RequestId": error.get_request_id(),
                    }
                mapped = provider_error(error)
                if not isinstance(mapped, RateLimited):
                    raise mapped from error
                delay = random.uniform(  # noqa: S311 - backoff jitter, not a secret
                    0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
                )
                if not self._backoff or self._remaining() < delay + SECONDS_NEEDED_FOR_A_RETRY:
                    raise mapped from error
                metrics.add_metric(name="ProviderRateLimitRetries", unit=MetricUnit.Count, value=1)
                time.sleep(delay)
                attempt += 1

    def _call_once(self, action: Action, params: dict[str, Any]) -> dict[str, Any]:
        if action in LEGACY_ACTIONS:
            try:
                answer: dict[str, Any] = self._common.call_json(action.value, params)["Response"]
            except requests.RequestException as error:
                # CommonClient lets a body that breaks off mid-read escape unwrapped.
                raise TencentCloudSDKException("ClientNetworkError", type(error).__name__) from error
            return answer
        request = getattr(models, f"{action.value}Request")()
        request.from_json_string(json.dumps(params))
        response = getattr(self._client, action.value)(request)
        result: dict[str, Any] = json.loads(response.to_json_string())
        return result
