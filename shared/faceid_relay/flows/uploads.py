"""Uploads: presigned PUTs on our bucket (or FaceID's CreateUploadUrl), and finding a finished upload's
MD5 record when a client hands its key back (hashing it then if no record exists yet)."""

import time
from datetime import datetime, timedelta, timezone

from faceid_relay.errors import (
    ContentTooLarge,
    InvalidContent,
    InvalidRequest,
    RelayError,
    StorageUnavailable,
    UnsupportedContentType,
    UploadNotFound,
    UploadNotReady,
    UploadRefused,
)
from faceid_relay.faceid import PROVIDER_ERRORS
from faceid_relay.flows.hashing import hash_upload
from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.models.records import (
    UploadExpectation,
    UploadRecord,
    upload_expectation_key,
    upload_record_key,
)
from faceid_relay.models.requests import CreateUploadRequest
from faceid_relay.models.responses import BucketUpload, FaceIdUpload
from faceid_relay.models.rules import (
    ACTION_REGIONS,
    PURPOSE_CONTENT_KINDS,
    Action,
    Purpose,
    content_md5_header,
    new_upload_key,
    validate_client_key,
)
from faceid_relay.settings import Settings
from faceid_relay.storage import ENCRYPTION_HEADERS, PRIVATE_ACL, ObjectHead, OutOfTimeError

FACEID_UPLOAD_NEXT_STEP = (
    "PUT the bytes to uploadUrl within 2 hours, compute their MD5 (32 hex characters) yourself and keep it: "
    "no trigger fires on FaceID's bucket, so pass resourceUrl together with that MD5 to the next call."
)
RECORD_RETRY_SECONDS = 1
# Hashing on first use may take what the function has left but this: the FaceID call after it needs time too.
SECONDS_KEPT_FOR_THE_CALL = 15
# Writing what the upload URL promises (an expectation record) touches the bucket.
CREATE_UPLOAD_ERRORS: tuple[type[RelayError], ...] = (
    ContentTooLarge,
    UnsupportedContentType,
    *PROVIDER_ERRORS,
    StorageUnavailable,
)


def create_upload(
    request: CreateUploadRequest, settings: Settings, storage: Bucket, faceid: FaceIdApi
) -> BucketUpload | FaceIdUpload:
    if request.via == "faceid":
        return _faceid_upload(request, settings, faceid)
    key = new_upload_key(request.purpose)
    headers = {
        "Content-Type": request.content_type,
        "x-cos-forbid-overwrite": "true",
        **ENCRYPTION_HEADERS,
        **PRIVATE_ACL,
    }
    if request.md5:
        headers["Content-MD5"] = content_md5_header(request.md5)
    # Written before the URL exists, once: hashing refuses any object under `key` that is not this upload.
    expectation = UploadExpectation(
        key=key,
        size=request.size,
        md5=request.md5,
        content_type=request.content_type,
        created_at=datetime.now(timezone.utc),
    )
    storage.create_json(upload_expectation_key(key), expectation.model_dump(mode="json"))
    # Content-Length is signed too, so the URL accepts exactly `size` bytes; HTTP clients send it themselves.
    url = storage.presign_upload(
        key, {**headers, "Content-Length": str(request.size)}, settings.upload_url_ttl
    )
    expires_at = datetime.now(timezone.utc) + timedelta(seconds=settings.upload_url_ttl)
    return BucketUpload(key=key, upload_url=url, headers=headers, expires_at=expires_at)


def _faceid_upload(request: CreateUploadRequest, settings: Settings, faceid: FaceIdApi) -> FaceIdUpload:
    if settings.region not in ACTION_REGIONS[Action.CreateUploadUrl]:
        raise InvalidRequest(
            f"FaceID's CreateUploadUrl is not offered in {settings.region}; use via=bucket.", field="via"
        )
    assert request.target_action is not None  # CreateUploadRequest requires it with via=faceid
    upload = faceid.create_upload_url(request.target_action)
    return FaceIdUpload(
        upload_url=upload.upload_url,
        resource_url=upload.resource_url,
        expires_at=upload.expires_at,
        next=FACEID_UPLOAD_NEXT_STEP,
    )


def finished_upload(storage: Bucket, key: str, purpose: Purpose, field: str) -> UploadRecord:
    """The MD5 record of an upload a client names by key: it must be ours, present, hashed, and of the
    kind its purpose needs (base64 text where binary is expected is refused before FaceID sees it)."""
    key = validate_client_key(key, purpose, field=field)
    head = storage.head(key)
    if head is None:
        raise UploadNotFound(field=field)
    return _record_of(storage, key, head, purpose, field)


def finished_upload_bytes(
    storage: Bucket, key: str, purpose: Purpose, field: str
) -> tuple[UploadRecord, bytes]:
    """finished_upload, and the bytes, in one GET: its ETag names the record (no HEAD before it)."""
    key = validate_client_key(key, purpose, field=field)
    stored = storage.read_object(key)
    if stored is None:
        raise UploadNotFound(field=field)
    return _record_of(storage, key, stored.head, purpose, field), stored.data


def _record_of(storage: Bucket, key: str, head: ObjectHead, purpose: Purpose, field: str) -> UploadRecord:
    """The record of the object version `head` names, hashing it now if no record exists yet."""
    stored = storage.read_json(upload_record_key(key, head.etag))
    record = UploadRecord.model_validate(stored) if stored is not None else _hash_now(storage, key, field)
    if record.refused:
        raise UploadRefused(f"{record.refused} {UploadRefused.message}", field=field)
    if record.content_kind not in PURPOSE_CONTENT_KINDS[purpose]:
        raise InvalidContent(
            f"The upload is {record.content_kind}, but {purpose.value} needs "
            f"{' or '.join(sorted(PURPOSE_CONTENT_KINDS[purpose]))}. Upload the raw bytes, not base64 text.",
            field=field,
        )
    return record


def _hash_now(storage: Bucket, key: str, field: str) -> UploadRecord:
    """No record yet (no trigger on AWS, a lost or late event): hash the upload now, within the time this
    invocation can spare, writing the same create-once record the trigger would."""
    budget = storage.remaining_seconds() - SECONDS_KEPT_FOR_THE_CALL
    if budget <= 0:
        raise UploadNotReady(field=field, retry_after=RECORD_RETRY_SECONDS)
    try:
        record = hash_upload(key, storage, deadline=time.monotonic() + budget)
    except OutOfTimeError:
        raise UploadNotReady(field=field, retry_after=RECORD_RETRY_SECONDS) from None
    if record is None:
        raise UploadNotFound(field=field)
    return record
