"""Issuing a web (H5) verification: a BizToken with a session record fixing its returnUrl, and an
Idempotency-Key answered with the same BizToken when a request is retried."""

import hashlib
import json
from datetime import datetime, timezone

from faceid_relay.errors import (
    ContentChanged,
    IdempotencyKeyReused,
    InvalidRequest,
    ProviderDownloadFailed,
    ProviderMediaUnavailable,
    RelayError,
    ReturnUrlNotAllowed,
)
from faceid_relay.faceid import (
    PROVIDER_DOWNLOAD_ERRORS,
    PROVIDER_ERRORS,
    WEB_FLAVORS,
    CompareImage,
    WebFlavor,
)
from faceid_relay.flows.ports import Bucket, FaceIdApi, read_record
from faceid_relay.flows.resources import RESOURCE_ERRORS, resolve_resource
from faceid_relay.flows.sweeper import open_verification
from faceid_relay.flows.uploads import finished_upload_bytes
from faceid_relay.models.records import IdempotencyRecord, SessionRecord, idempotency_key, session_key
from faceid_relay.models.requests import VerificationRequest
from faceid_relay.models.responses import VerificationResponse
from faceid_relay.models.rules import PURPOSE_LIMITS, Purpose, ReturnUrlPolicy
from faceid_relay.settings import Settings
from faceid_relay.storage import STORAGE_ERRORS

MAX_IDEMPOTENCY_KEY_LENGTH = 255
ISSUE_ERRORS: tuple[type[RelayError], ...] = (
    ReturnUrlNotAllowed,
    IdempotencyKeyReused,
    *RESOURCE_ERRORS,
    *PROVIDER_ERRORS,
    *PROVIDER_DOWNLOAD_ERRORS,
    *STORAGE_ERRORS,
)


def issue_verification_token(
    request: VerificationRequest,
    idempotency_key_value: str | None,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
) -> VerificationResponse:
    return_url = ReturnUrlPolicy(settings.allowed_return_origins).check(request.return_url)
    request_hash = _request_hash(request, return_url)
    claim = idempotency_key_hash(idempotency_key_value) if idempotency_key_value is not None else None
    if claim is not None and (replay := _replay(claim, request_hash, storage)) is not None:
        return replay
    flavor = settings.api_flavor
    compare_image = _compare_image(request, WEB_FLAVORS[flavor], settings, storage)
    issued = faceid.apply_web_verification(
        flavor, redirect_url=str(settings.callback_url), compare_image=compare_image, extra=request.extra
    )
    now = datetime.now(timezone.utc)
    session = SessionRecord(
        biz_token=issued.biz_token,
        flavor=flavor,
        reference=request.reference,
        return_url=return_url,
        compare_image_key=request.compare_image_key if compare_image else None,
        compare_image_md5=compare_image.md5 if compare_image else None,
        request_hash=request_hash,
        verification_url=issued.verification_url,
        created_at=now,
        expires_at=now + WEB_FLAVORS[flavor].token_lifetime,
        metadata=request.metadata,
        extra=request.extra if flavor == "live" else None,
    )
    storage.create_json(session_key(issued.biz_token), session.model_dump(mode="json"))
    # So the result is kept (and its webhook sent) even if the browser never comes back and nobody polls.
    entry_key, entry = open_verification(session)
    storage.create_json(entry_key, entry.model_dump(mode="json"))
    if claim is not None:
        record = IdempotencyRecord(
            key_hash=claim, request_hash=request_hash, biz_token=issued.biz_token, created_at=now
        )
        # A concurrent retry that claimed the key first wins: answer with its token (ours expires unused).
        if not storage.create_json(idempotency_key(claim), record.model_dump(mode="json")) and (
            replay := _replay(claim, request_hash, storage)
        ):
            return replay
    return _issued(session)


def _compare_image(
    request: VerificationRequest, flavor: WebFlavor, settings: Settings, storage: Bucket
) -> CompareImage | None:
    """The compare image as the flavor sends it: a COS URL + MD5 FaceID downloads (legacy), or the bytes
    (live), read once and checked against the recorded or the given MD5."""
    ref = request.compare_image
    if ref is None:
        if flavor.needs_compare_image:
            raise InvalidRequest("The legacy flow needs a compare image.", field="compareImageKey")
        return None
    if not flavor.sends_compare_image_inline:
        resource = resolve_resource(ref, settings, storage)
        return CompareImage(md5=resource.md5, url=resource.url)
    if ref.key is not None:
        record, image = finished_upload_bytes(
            storage, ref.key, Purpose.COMPARE_IMAGE, field="compareImageKey"
        )
        if _md5(image) != record.md5:
            raise ContentChanged(field="compareImageKey")
        return CompareImage(md5=record.md5, data=image)
    resource = resolve_resource(ref, settings, storage)
    image = _download_compare_image(resource.url, storage)
    if _md5(image) != resource.md5.lower():
        raise ContentChanged(
            "The file at compareImageUrl does not have the MD5 given as compareImageMd5. "
            "Send the MD5 of the file's bytes (32 hex characters).",
            field="compareImageMd5",
        )
    return CompareImage(md5=resource.md5.lower(), data=image)


def _download_compare_image(url: str, storage: Bucket) -> bytes:
    """What FaceID would download in the legacy flavor, fetched once by us: same size cap as an upload."""
    try:
        return storage.fetch_url(url, PURPOSE_LIMITS[Purpose.COMPARE_IMAGE].max_bytes)
    except ProviderMediaUnavailable as error:
        raise ProviderDownloadFailed(
            "The compare image could not be downloaded from compareImageUrl (it must answer a GET, not have "
            f"expired, and be at most {PURPOSE_LIMITS[Purpose.COMPARE_IMAGE].max_bytes} bytes). "
            "Fix it and retry.",
            field="compareImageUrl",
        ) from error


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _request_hash(request: VerificationRequest, return_url: str) -> str:
    canonical = {**request.model_dump(mode="json", by_alias=True), "returnUrl": return_url}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def idempotency_key_hash(value: str) -> str:
    if not 0 < len(value) <= MAX_IDEMPOTENCY_KEY_LENGTH or not value.isprintable():
        raise InvalidRequest(
            "Idempotency-Key must be 1 to 255 printable characters.", field="Idempotency-Key"
        )
    return hashlib.sha256(value.encode()).hexdigest()


def _replay(claim: str, request_hash: str, storage: Bucket) -> VerificationResponse | None:
    record = read_record(storage, idempotency_key(claim), IdempotencyRecord)
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(field="Idempotency-Key")
    session = read_record(storage, session_key(record.biz_token), SessionRecord)
    return None if session is None else _issued(session)


def _issued(session: SessionRecord) -> VerificationResponse:
    return VerificationResponse(
        biz_token=session.biz_token, verification_url=session.verification_url, expires_at=session.expires_at
    )
