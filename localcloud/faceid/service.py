"""The FaceID service without HTTP: authenticate a call, route it, and apply each action's rules.

api.py turns requests into `SignedRequest`s and replies into JSON; everything Tencent decides lives here
(and in the small rule modules it calls), so it reads as a list of what FaceID checks, in order."""

import base64
import binascii
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from localcloud.accounts import KeyPair
from localcloud.clock import Clock
from localcloud.faceid import media
from localcloud.faceid.catalogue import ACTIONS, VERSION, ActionSpec, form_params, read_params
from localcloud.faceid.config import FaceIdEmulatorConfig
from localcloud.faceid.errors import (
    ImageSizeTooLargeError,
    InvalidActionError,
    InvalidParameterError,
    InvalidParameterValueError,
    MissingParameterError,
    NoSuchVersionError,
    RequestSizeLimitExceededError,
    SignatureFailureError,
    UnsupportedRegionError,
)
from localcloud.faceid.faults import SUCCESS, FaultInjector
from localcloud.faceid.ratelimit import RateLimiter
from localcloud.faceid.resources import (
    CosObjectUrl,
    CosResources,
    check_content_md5,
    check_image,
    check_md5,
    check_sdk_data,
    is_jpeg_or_png,
    parse_resource_url,
)
from localcloud.faceid.signing import SignedRequest, authenticate
from localcloud.faceid.web import Choice, Flavor, PageState, WebVerifications, redirect_with_token

# CreateUploadUrl: "The data will be stored ... for two hours" (faceid_client.py docstring); the doc
# example signs both URLs for 7,200 s and returns that expiry. BestFrameUrl is "valid for two hours".
RESOURCE_TTL_SECONDS = 7_200
# GetWebVerificationResult: VideoBestFrameUrl / VideoUrl are "valid 10 minutes" (reference §1.2).
LEGACY_MEDIA_TTL_SECONDS = 600
# Resource-taking actions (reference §1.2); ApplyReflectVerificationToken is api.json's example value.
UPLOAD_TARGETS = frozenset(
    {
        "GenerateReflectSequence",
        "DetectReflectLivenessAndCompare",
        "ApplyWebVerificationToken",
        "ApplyReflectVerificationToken",
    }
)
SECURITY_LEVELS = frozenset({"1", "2", "3", "4"})
DEFAULT_SECURITY_LEVEL = "4"
# ApplyWebVerificationBizTokenIntl: CompareImageBase64 "≤8 MB", Extra "≤1000 characters" (reference §1.2).
MAX_COMPARE_IMAGE_BASE64 = 8 * 1024 * 1024
MAX_EXTRA_CHARS = 1000
# WebVerificationConfigIntl values the models document (reference §1.2): CheckMode 1-4, SecurityLevel 1-5,
# AutoDowngrade 1-2, LivenessRetryLimit [1,99], LivenessTimeout (0,600].
WEB_CONFIG_RANGES = {
    "CheckMode": range(1, 5),
    "SecurityLevel": range(1, 6),
    "AutoDowngrade": range(1, 3),
    "LivenessRetryLimit": range(1, 100),
    "LivenessTimeout": range(1, 601),
}
# "GET 请求的请求包大小不得超过32KB。POST 请求使用签名方法 v1 时不得超过1MB。
# POST 请求使用签名方法 v3 时最大支持10MB" (请求结构, https://cloud.tencent.com/document/product/1278/46710).
MAX_GET_QUERY_BYTES = 32 * 1024
MAX_V1_POST_BYTES = 1024 * 1024
MAX_V3_POST_BYTES = 10 * 1024 * 1024
# The shape of a Tencent Cloud region ID (ap-singapore, na-siliconvalley, ap-shanghai-fsi, ...). A value that
# is no region at all answers InvalidParameterValue "A value specified in `X-TC-Region` is not valid, is
# unsupported, or cannot be used." (TencentCloud/tencentcloud-sdk-nodejs#56, tencentcloud-sdk-python#21 for
# v1's `Region`); a real region outside the action's set answers UnsupportedRegion.
REGION_ID = re.compile(r"^(?:ap|na|sa|eu|me)-[a-z]+(?:-[a-z]+)*$")


@dataclass(frozen=True)
class Caller:
    """An authenticated, routed call."""

    action: ActionSpec
    region: str
    key: KeyPair
    form: Mapping[str, str] | None = None  # form-encoded parameters (GET, signature v1); None: JSON body


@dataclass(frozen=True)
class Resource:
    url: CosObjectUrl
    md5: str
    md5_field: str


class FaceIdService:
    def __init__(self, config: FaceIdEmulatorConfig, clock: Clock) -> None:
        self.faults = FaultInjector()
        self.web = WebVerifications(clock)
        self.clock = clock
        self._resources = CosResources(config, clock)
        self._limiter = RateLimiter(config.effective_rate_limits())
        self._keys = {key.secret_id: key for key in config.keys}
        self._public_base_url = config.public_base_url.rstrip("/")
        self._actions: Mapping[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            "CreateUploadUrl": self.create_upload_url,
            "GenerateReflectSequence": self.generate_reflect_sequence,
            "DetectReflectLivenessAndCompare": self.detect_reflect_liveness_and_compare,
            "ApplyWebVerificationBizTokenIntl": self.apply_web_verification_biz_token_intl,
            "GetWebVerificationResultIntl": self.get_web_verification_result_intl,
            "ApplyWebVerificationToken": self.apply_web_verification_token,
            "GetWebVerificationResult": self.get_web_verification_result,
        }

    # --- API 3.0 envelope -------------------------------------------------------------------------

    def authenticate(self, request: SignedRequest) -> Caller:
        """Size, common parameters and signature, then routing: version, action, region."""
        _check_request_size(request)
        # Skew is judged against real time: the SDK stamps X-TC-Timestamp with time.time(), and tests that
        # advance the emulated clock (to expire tokens and URLs) must not turn every later call into
        # AuthFailure.SignatureExpire.
        signer = authenticate(request, self._keys, time.time())
        version = signer.version
        if not version:
            raise MissingParameterError("The request is missing a required parameter `Version`.")
        if version != VERSION:
            raise NoSuchVersionError(f"The requested version `{version}` of service `faceid` does not exist.")
        spec = ACTIONS.get(signer.action)
        if spec is None:
            raise InvalidActionError(f"The requested action `{signer.action}` does not exist.")
        region = signer.region
        if not region:
            raise MissingParameterError("The request is missing a required parameter `Region`.")
        if not REGION_ID.match(region):
            name = "Region" if request.is_signature_v1 else "X-TC-Region"
            raise InvalidParameterValueError(
                f"A value specified in `{name}` is not valid, is unsupported, or cannot be used."
            )
        if region not in spec.regions:
            raise UnsupportedRegionError(f"The action `{spec.name}` does not support the region `{region}`.")
        return Caller(spec, region, signer.key, signer.form)

    def handle(self, caller: Caller, body: bytes) -> dict[str, Any]:
        """Rate limit, parameters, then the action. Returns the Response fields (no RequestId)."""
        self._limiter.admit(caller.action.name, caller.key.secret_id)
        if caller.form is not None:
            payload: Any = form_params(caller.action, caller.form)
        else:
            try:
                payload = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise InvalidParameterError("The request body must be a JSON object.") from error
        if not isinstance(payload, dict):
            raise InvalidParameterError("The request body must be a JSON object.")
        params = read_params(caller.action, payload)
        return self._actions[caller.action.name](caller.region, params)

    def reset(self) -> None:
        self.faults.reset()
        self._limiter.reset()

    # --- App SDK (reflection liveness) actions ----------------------------------------------------

    def create_upload_url(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        target = params["TargetAction"]
        if target not in UPLOAD_TARGETS:
            targets = ", ".join(sorted(UPLOAD_TARGETS))
            raise InvalidParameterValueError(f"TargetAction must be one of {targets}.")
        key = f"faceid/{target}/{uuid.uuid4()}"
        return {
            "UploadUrl": self._resources.presign_put_for_client(region, key, RESOURCE_TTL_SECONDS),
            "ResourceUrl": self._resources.presign_get(region, key, RESOURCE_TTL_SECONDS),
            "ExpiredTimestamp": int(self.clock.now()) + RESOURCE_TTL_SECONDS,
        }

    def generate_reflect_sequence(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        device = self._resource(region, params, "DeviceDataUrl", "DeviceDataMd5")
        level = params.get("SecurityLevel", DEFAULT_SECURITY_LEVEL)
        if level not in SECURITY_LEVELS:
            raise InvalidParameterValueError("SecurityLevel must be one of 1, 2, 3, 4.")
        check_sdk_data(self._download(device), "DeviceData")
        nonce = str(uuid.uuid4())
        sequence = media.light_sequence(device.md5, level, nonce)
        key = f"faceid/GenerateReflectSequence/{nonce}"
        self._resources.put(region, key, sequence, "application/octet-stream")
        return {
            "ReflectSequenceUrl": self._resources.presign_get(region, key, RESOURCE_TTL_SECONDS),
            "ReflectSequenceMd5": _md5(sequence),
        }

    def detect_reflect_liveness_and_compare(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        live = self._resource(region, params, "LiveDataUrl", "LiveDataMd5")
        image = self._resource(region, params, "ImageUrl", "ImageMd5")
        if (live.url.host, unquote(live.url.path)) == (image.url.host, unquote(image.url.path)):
            raise InvalidParameterValueError("LiveDataUrl and ImageUrl must be two different resources.")
        live_data = self._download(live)
        check_sdk_data(live_data, "LiveData")
        image_data = self._download(image)
        check_image(image_data)
        outcome = self.faults.take_outcome("DetectReflectLivenessAndCompare")
        result = outcome.result if outcome else SUCCESS
        scripted = outcome.similarity() if outcome else None
        sim = scripted if scripted is not None else media.similarity(live_data, image_data)
        answer: dict[str, Any] = {
            "BestFrameUrl": None,
            "BestFrameMd5": None,
            "Result": result,
            "Description": outcome.text() if outcome else "Success",
            "Sim": sim,
        }
        if result == SUCCESS:
            frame = media.best_frame_jpeg()
            key = f"faceid/DetectReflectLivenessAndCompare/{uuid.uuid4()}.jpg"
            self._resources.put(region, key, frame, "image/jpeg")
            answer["BestFrameUrl"] = self._resources.presign_get(region, key, RESOURCE_TTL_SECONDS)
            answer["BestFrameMd5"] = _md5(frame)
        return answer

    # --- Web (H5) verification actions --------------------------------------------------------------

    def apply_web_verification_biz_token_intl(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        redirect_url = _check_redirect_url(params["RedirectURL"], "RedirectURL")
        _check_web_config_values(params.get("Config") or {})
        image = _decode_compare_image(params.get("CompareImageBase64"))
        extra = params.get("Extra")
        if extra is not None and len(extra) > MAX_EXTRA_CHARS:
            raise InvalidParameterValueError(f"Extra must be at most {MAX_EXTRA_CHARS} characters.")
        token = self.web.issue(Flavor.INTL, region, redirect_url, extra, image)
        url = self.verification_url(token)
        # VerificationUrl is the deprecated spelling (api.json marks it disabled); both carry the URL.
        return {"BizToken": token, "VerificationURL": url, "VerificationUrl": url}

    def get_web_verification_result_intl(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        view = self.web.result(params["BizToken"], Flavor.INTL, region)
        finished = bool(view.session.attempts)
        return {
            "ErrorCode": view.verdict.code if view.verdict else None,
            "ErrorMsg": view.verdict.message if view.verdict else None,
            "VerificationDetailList": view.details,
            # Media of the last attempt, as Base64 (reference §0.7).
            "VideoBase64": _b64(media.liveness_video_mp4()) if finished else None,
            "BestFrameBase64": _b64(media.best_frame_jpeg()) if finished else None,
            "OCRResult": None,
            "Extra": view.session.extra,
        }

    def apply_web_verification_token(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        redirect_url = _check_redirect_url(params["RedirectUrl"], "RedirectUrl")
        # The doc example passes CompareImageUrl percent-encoded ("https%3A%2F%2F...", reference §1.3).
        url = params["CompareImageUrl"]
        if url.lower().startswith("https%3a"):
            url = unquote(url)
        image = self._resource(
            region, {**params, "CompareImageUrl": url}, "CompareImageUrl", "CompareImageMd5"
        )
        image_data = self._download(image)
        check_image(image_data)
        token = self.web.issue(Flavor.LEGACY, region, redirect_url, None, image_data)
        return {"BizToken": token, "VerificationUrl": self.verification_url(token)}

    def get_web_verification_result(self, region: str, params: dict[str, Any]) -> dict[str, Any]:
        view = self.web.result(params["BizToken"], Flavor.LEGACY, region)
        answer: dict[str, Any] = {
            "ErrorCode": view.verdict.code if view.verdict else None,
            "ErrorMsg": view.verdict.message if view.verdict else None,
            "VerificationDetailList": view.details,
            "VideoBestFrameUrl": None,
            "VideoBestFrameMd5": None,
            "VideoUrl": None,
            "VideoMd5": None,
        }
        if view.session.attempts:
            frame_key, video_key = _legacy_media_keys(view.session.biz_token)
            # Fresh URLs on every call, each valid 10 minutes from this call (reference §1.2).
            answer["VideoBestFrameUrl"] = self._resources.presign_get(
                region, frame_key, LEGACY_MEDIA_TTL_SECONDS
            )
            answer["VideoBestFrameMd5"] = _md5(media.best_frame_jpeg())
            answer["VideoUrl"] = self._resources.presign_get(region, video_key, LEGACY_MEDIA_TTL_SECONDS)
            answer["VideoMd5"] = _md5(media.liveness_video_mp4())
        return answer

    # --- The verification page --------------------------------------------------------------------

    def verification_url(self, token: str) -> str:
        return f"{self._public_base_url}/reflect/?token={token}"

    def open_verification(self, token: str) -> PageState:
        return self.web.open_page(token)

    def submit_verification(self, token: str, choice: Choice) -> tuple[PageState, str | None]:
        """Record the user's attempt; returns the page state and, when accepted, where to redirect."""
        state, session = self.web.peek(token)
        if state is PageState.READY and session is not None and session.flavor is Flavor.LEGACY:
            # Legacy results are URLs on FaceID's bucket: the media exists once the attempt does. Written
            # before the attempt is recorded, so a result call never sees an attempt without its media.
            frame_key, video_key = _legacy_media_keys(token)
            self._resources.put(session.region, frame_key, media.best_frame_jpeg(), "image/jpeg")
            self._resources.put(session.region, video_key, media.liveness_video_mp4(), "video/mp4")
        state, session = self.web.submit(token, choice)
        if state is PageState.READY and session is not None:
            return state, redirect_with_token(session.redirect_url, token)
        return state, None

    # --- Resources ----------------------------------------------------------------------------------

    def _resource(self, region: str, params: Mapping[str, Any], url_field: str, md5_field: str) -> Resource:
        url = parse_resource_url(params[url_field], region, url_field)
        return Resource(url, check_md5(params[md5_field], md5_field), md5_field)

    def _download(self, resource: Resource) -> bytes:
        data = self._resources.download(resource.url)
        check_content_md5(data, resource.md5, resource.md5_field)
        return data


def _check_request_size(request: SignedRequest) -> None:
    if request.method != "GET" and request.is_signature_v1:
        if len(request.body) > MAX_V1_POST_BYTES:
            # Tencent refuses an oversize v1 POST as a signature failure, in these words
            # (TencentCloud/tencentcloud-sdk-python#42, tencentcloud-sdk-php#20).
            raise SignatureFailureError(
                "The provided credentials could not be validated because of exceeding request size limit, "
                "please use new signature method `TC3-HMAC-SHA256`."
            )
        return
    if request.method == "GET":
        size, limit, kind = len(request.query.encode("latin-1")), MAX_GET_QUERY_BYTES, "a GET request"
    else:
        size, limit, kind = len(request.body), MAX_V3_POST_BYTES, "a TC3-HMAC-SHA256 POST request"
    if size > limit:
        raise RequestSizeLimitExceededError(
            f"The request size {size} bytes exceeds the limit of {limit} bytes for {kind}."
        )


def _check_redirect_url(url: str, field: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidParameterValueError(f"{field} must be an absolute http(s) URL.")
    return url


def _check_web_config_values(config: Mapping[str, Any]) -> None:
    for name, allowed in WEB_CONFIG_RANGES.items():
        value = config.get(name)
        if value is not None and value not in allowed:
            raise InvalidParameterValueError(
                f"Config.{name} must be between {allowed.start} and {allowed.stop - 1}, not {value}."
            )


def _decode_compare_image(encoded: str | None) -> bytes | None:
    if encoded is None:
        return None
    if len(encoded) > MAX_COMPARE_IMAGE_BASE64:
        raise ImageSizeTooLargeError("CompareImageBase64 must be at most 8 MB.")
    try:
        image = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        # Includes a data-URI header, which the doc says to leave out.
        raise InvalidParameterValueError("CompareImageBase64 is not valid Base64.") from error
    if not is_jpeg_or_png(image):
        raise InvalidParameterValueError("CompareImageBase64 must be a JPEG or PNG image.")
    return image


def _legacy_media_keys(token: str) -> tuple[str, str]:
    prefix = f"faceid/GetWebVerificationResult/{token}"
    return f"{prefix}/best_frame.jpg", f"{prefix}/video.mp4"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
