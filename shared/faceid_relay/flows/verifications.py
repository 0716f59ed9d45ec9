"""The web (H5) flow: issue a BizToken with a session record, finish it once at the callback (copy the
result and media out before FaceID clears them), and read the stored truth for the app backend."""

import base64
import binascii
import hashlib
import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.metrics import MetricUnit

from faceid_relay.errors import (
    ContentChanged,
    IdempotencyKeyReused,
    InvalidRequest,
    ProviderMediaUnavailable,
    RateLimited,
    RelayError,
    VerificationExpired,
    VerificationNotFound,
)
from faceid_relay.faceid import FaceId
from faceid_relay.flows.uploads import finished_upload
from faceid_relay.models.records import (
    FinalRecord,
    IdempotencyRecord,
    ResultCheckRecord,
    SessionRecord,
    final_key,
    idempotency_key,
    result_check_key,
    result_media_key,
    session_key,
)
from faceid_relay.models.requests import VerificationRequest
from faceid_relay.models.responses import (
    Attempt,
    StoredMedia,
    StoredMediaLink,
    VerificationResponse,
    VerificationResult,
)
from faceid_relay.models.rules import WEB_ACTIONS, Purpose, ReturnUrlPolicy, validate_biz_token
from faceid_relay.observability import metrics, record_error
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage

# BizToken lifetimes: Intl 10 minutes to start; legacy 7,200 s (reference §1.2, §5).
TOKEN_LIFETIME = {"live": timedelta(minutes=10), "legacy": timedelta(seconds=7200)}
MAX_IDEMPOTENCY_KEY_LENGTH = 255
MAX_MEDIA_BYTES = 32 * 1024 * 1024
ERROR_CODE_TOKEN_EXPIRED = 15
MEDIA_FILES = {"bestFrame": ("best-frame.jpg", "image/jpeg"), "video": ("video.mp4", "video/mp4")}


def issue_verification_token(
    request: VerificationRequest,
    idempotency_key_value: str | None,
    settings: Settings,
    storage: Storage,
    faceid: FaceId,
) -> VerificationResponse:
    return_url = ReturnUrlPolicy(settings.allowed_return_origins).check(request.return_url)
    request_hash = _request_hash(request, return_url)
    claim = _idempotency_key_hash(idempotency_key_value) if idempotency_key_value is not None else None
    if claim is not None:
        replay = _replay(claim, request_hash, storage)
        if replay is not None:
            return replay
    flavor = settings.api_flavor
    compare_key, compare_md5, params = _compare_image_params(request, flavor, settings, storage)
    apply_action, _ = settings.web_actions
    redirect_field = "RedirectURL" if flavor == "live" else "RedirectUrl"
    answer = faceid.call(apply_action, {redirect_field: settings.callback_url, **params})
    biz_token = str(answer["BizToken"])
    now = datetime.now(timezone.utc)
    session = SessionRecord(
        biz_token=biz_token,
        flavor=flavor,
        reference=request.reference,
        return_url=return_url,
        compare_image_key=compare_key,
        compare_image_md5=compare_md5,
        request_hash=request_hash,
        verification_url=str(answer.get("VerificationURL") or answer.get("VerificationUrl")),
        created_at=now,
        expires_at=now + TOKEN_LIFETIME[flavor],
    )
    storage.create_json(session_key(biz_token), session.model_dump(mode="json"))
    if claim is not None:
        record = IdempotencyRecord(
            key_hash=claim, request_hash=request_hash, biz_token=biz_token, created_at=now
        )
        if not storage.create_json(idempotency_key(claim), record.model_dump(mode="json")):
            # A concurrent retry won: answer with its token (ours expires unused in 10 minutes).
            replay = _replay(claim, request_hash, storage)
            if replay is not None:
                return replay
    return _issued(session)


def _compare_image_params(
    request: VerificationRequest, flavor: str, settings: Settings, storage: Storage
) -> tuple[str | None, str | None, dict[str, Any]]:
    params: dict[str, Any] = {"Extra": request.extra} if request.extra and flavor == "live" else {}
    if request.compare_image_key is None:
        if flavor == "legacy":
            raise InvalidRequest("The legacy flow needs a compare image.", field="compareImageKey")
        return None, None, params
    record = finished_upload(
        storage, request.compare_image_key, Purpose.COMPARE_IMAGE, field="compareImageKey"
    )
    if flavor == "legacy":
        url = storage.presign_download_for_provider(record.key, settings.provider_download_ttl)
        return record.key, record.md5, {**params, "CompareImageUrl": url, "CompareImageMd5": record.md5}
    image = storage.read_bytes(record.key)
    if image is None or hashlib.md5(image, usedforsecurity=False).hexdigest() != record.md5:
        raise ContentChanged(field="compareImageKey")
    return record.key, record.md5, {**params, "CompareImageBase64": base64.b64encode(image).decode("ascii")}


def _request_hash(request: VerificationRequest, return_url: str) -> str:
    canonical = {**request.model_dump(mode="json", by_alias=True), "returnUrl": return_url}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _idempotency_key_hash(value: str) -> str:
    if not 0 < len(value) <= MAX_IDEMPOTENCY_KEY_LENGTH or not value.isprintable():
        raise InvalidRequest(
            "Idempotency-Key must be 1 to 255 printable characters.", field="Idempotency-Key"
        )
    return hashlib.sha256(value.encode()).hexdigest()


def _replay(claim: str, request_hash: str, storage: Storage) -> VerificationResponse | None:
    stored = storage.read_json(idempotency_key(claim))
    if stored is None:
        return None
    record = IdempotencyRecord.model_validate(stored)
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(field="Idempotency-Key")
    session = storage.read_json(session_key(record.biz_token))
    if session is None:
        return None
    return _issued(SessionRecord.model_validate(session))


def _issued(session: SessionRecord) -> VerificationResponse:
    return VerificationResponse(
        biz_token=session.biz_token, verification_url=session.verification_url, expires_at=session.expires_at
    )


def finish_verification(
    raw_token: str, settings: Settings, storage: Storage, faceid: FaceId, *, redirect_failures: bool = False
) -> str:
    """The callback: where to send the browser. Only a token we issued is accepted, the result is
    fetched once per token and stored before the session is marked final; the redirect goes to the
    returnUrl fixed at issuance, never to anything the request names.

    Anyone holding the token may call it, so FaceID's rate limit is never waited out here: the browser is
    sent on with status=pending. `redirect_failures` (a person's browser): any other failure once the
    verification is known sends the browser to its returnUrl with status=error instead of raising; the app
    reads the truth with GET /verifications."""
    session = _session(raw_token, storage)
    try:
        final = _finalize(session, settings, storage, faceid)
    except RateLimited as error:
        record_error(error)
        final = None
    except RelayError as error:
        if not redirect_failures:
            raise
        record_error(error)
        return _return_location(session, "error")
    status = final.status if final is not None else "pending"
    return _return_location(session, status)


def read_verification_result(
    raw_token: str, settings: Settings, storage: Storage, faceid: FaceId
) -> VerificationResult:
    """The truth for the app backend. A session whose user never came back is finalized here too, so
    the result is kept even when the browser was closed before the redirect."""
    session = _session(raw_token, storage)
    final = _finalize(session, settings, storage, faceid)
    media = {
        name: StoredMediaLink(
            url=storage.presign_download_for_client(
                item.key,
                settings.result_url_ttl,
                content_type=MEDIA_FILES[name][1],
                filename=MEDIA_FILES[name][0],
            ),
            md5=item.md5,
            size=item.size,
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=settings.result_url_ttl),
        )
        for name, item in (final.media if final else {}).items()
    }
    return VerificationResult(
        biz_token=session.biz_token,
        status=final.status if final else "pending",
        reference=session.reference,
        error_code=final.error_code if final else None,
        error_message=final.error_message if final else None,
        similarity=final.similarity if final else None,
        attempts=final.attempts if final else [],
        media=media,
        created_at=session.created_at,
        finalized_at=final.finalized_at if final else None,
    )


def _session(raw_token: str, storage: Storage) -> SessionRecord:
    token = validate_biz_token(raw_token)
    stored = storage.read_json(session_key(token))
    if stored is None:
        raise VerificationNotFound()
    return SessionRecord.model_validate(stored)


def _finalize(
    session: SessionRecord, settings: Settings, storage: Storage, faceid: FaceId
) -> FinalRecord | None:
    """The final record, creating it at most once; None while the user has not finished."""
    existing = storage.read_json(final_key(session.biz_token))
    if existing is not None:
        return FinalRecord.model_validate(existing)
    if not _claim_result_check(session.biz_token, settings, storage):
        return None
    final = _fetch_final(session, storage, faceid)
    if final is None:
        return None
    if not storage.create_json(final_key(session.biz_token), final.model_dump(mode="json")):
        winner = storage.read_json(final_key(session.biz_token))
        return FinalRecord.model_validate(winner)
    metrics.add_metric(name=f"Verifications{final.status.capitalize()}", unit=MetricUnit.Count, value=1)
    if settings.delete_compare_image and session.compare_image_key:
        storage.delete(session.compare_image_key)
    return final


def _claim_result_check(biz_token: str, settings: Settings, storage: Storage) -> bool:
    """Whether this request may ask FaceID for a pending result: only the first per BizToken and window of
    RELAY_RESULT_CHECK_INTERVAL seconds, across all instances (a create-once marker); the others answer
    pending, so a flood of callbacks for one token costs FaceID one call per window."""
    interval = settings.result_check_interval
    now = time.time()
    window = int(now // interval)
    record = ResultCheckRecord(
        biz_token=biz_token,
        window_start=datetime.fromtimestamp(window * interval, timezone.utc),
        checked_at=datetime.fromtimestamp(now, timezone.utc),
    )
    if storage.create_json(result_check_key(biz_token, window), record.model_dump(mode="json")):
        return True
    metrics.add_metric(name="ResultChecksSkipped", unit=MetricUnit.Count, value=1)
    return False


def _fetch_final(session: SessionRecord, storage: Storage, faceid: FaceId) -> FinalRecord | None:
    _, get_action = WEB_ACTIONS[session.flavor]
    now = datetime.now(timezone.utc)
    try:
        answer = faceid.call(get_action, {"BizToken": session.biz_token})
    except VerificationExpired:
        # Past FaceID's 3-day window: nothing to copy any more.
        return FinalRecord(
            biz_token=session.biz_token,
            status="expired",
            error_code=ERROR_CODE_TOKEN_EXPIRED,
            error_message="BizToken expired.",
            similarity=None,
            attempts=[],
            media={},
            finalized_at=now,
        )
    if answer.get("ErrorCode") is None:
        return None
    error_code = int(answer["ErrorCode"])
    attempts = [_attempt(detail) for detail in answer.get("VerificationDetailList") or []]
    media = _store_media(session, answer, storage)
    status = (
        "passed" if error_code == 0 else "expired" if error_code == ERROR_CODE_TOKEN_EXPIRED else "failed"
    )
    return FinalRecord(
        biz_token=session.biz_token,
        status=status,
        error_code=error_code,
        error_message=answer.get("ErrorMsg"),
        similarity=attempts[-1].similarity if attempts else None,
        attempts=attempts,
        media=media,
        finalized_at=now,
    )


def _attempt(detail: dict[str, Any]) -> Attempt:
    timestamp = detail.get("ReqTimestamp")
    return Attempt(
        error_code=detail.get("ErrorCode"),
        error_message=detail.get("ErrorMsg"),
        liveness_error_code=detail.get("LivenessErrorCode"),
        compare_error_code=detail.get("CompareErrorCode"),
        similarity=detail.get("Similarity"),
        at=datetime.fromtimestamp(int(timestamp) / 1000, timezone.utc) if timestamp else None,
    )


def _store_media(session: SessionRecord, answer: dict[str, Any], storage: Storage) -> dict[str, StoredMedia]:
    """Media first, final record second, so a final record never points at something missing."""
    stored: dict[str, StoredMedia] = {}
    for name, data in _media_bytes(session.flavor, answer, storage).items():
        filename, content_type = MEDIA_FILES[name]
        key = result_media_key(session.biz_token, filename)
        storage.create(key, data, content_type)
        stored[name] = StoredMedia(
            key=key, md5=hashlib.md5(data, usedforsecurity=False).hexdigest(), size=len(data)
        )
    return stored


def _media_bytes(flavor: str, answer: dict[str, Any], storage: Storage) -> dict[str, bytes]:
    if flavor == "legacy":
        # Legacy result URLs live 10 minutes (reference §1.2): download now, check the MD5 FaceID gave.
        sources = {"bestFrame": ("VideoBestFrameUrl", "VideoBestFrameMd5"), "video": ("VideoUrl", "VideoMd5")}
        media = {}
        for name, (url_field, md5_field) in sources.items():
            if not answer.get(url_field):
                continue
            data = storage.fetch_url(str(answer[url_field]), MAX_MEDIA_BYTES)
            if hashlib.md5(data, usedforsecurity=False).hexdigest() != str(answer.get(md5_field, "")).lower():
                raise ProviderMediaUnavailable("FaceID's result media arrived damaged (MD5 mismatch). Retry.")
            media[name] = data
        return media
    fields = {"bestFrame": "BestFrameBase64", "video": "VideoBase64"}
    media = {}
    for name, field in fields.items():
        if answer.get(field):
            try:
                media[name] = base64.b64decode(str(answer[field]), validate=True)
            except binascii.Error as error:
                raise ProviderMediaUnavailable(
                    "FaceID's result media was not valid base64. Retry."
                ) from error
    return media


def _return_location(session: SessionRecord, status: str) -> str:
    """The stored returnUrl with status and the app's reference appended; the app's own query and fragment
    stay byte for byte (a signed return URL must still verify)."""
    outcome = [("status", status), *([("reference", session.reference)] if session.reference else [])]
    url, hash_mark, fragment = session.return_url.partition("#")
    separator = "&" if "?" in url and not url.endswith(("?", "&")) else "" if "?" in url else "?"
    return f"{url}{separator}{urlencode(outcome)}{hash_mark}{fragment}"
