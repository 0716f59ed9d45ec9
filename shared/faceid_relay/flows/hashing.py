"""Hashing an upload: stream it once, check it against what presign promised, and write its create-once
record (upload-records/), one per object version. The COS trigger does it as soon as an upload lands; a
flow that finds no record does it on first use (an AWS-only deployment has no trigger, and an event can be
lost). Both write the same record, so whichever comes second reads the first one's verdict."""

from datetime import datetime, timezone

from faceid_relay.errors import InvalidKey
from faceid_relay.flows.ports import Bucket, read_record
from faceid_relay.models.records import (
    UploadExpectation,
    UploadRecord,
    upload_expectation_key,
    upload_record_key,
)
from faceid_relay.models.rules import sniff_content_kind, validate_client_key
from faceid_relay.observability import logger
from faceid_relay.platform.cos_trigger import CosObjectEvent
from faceid_relay.settings import Settings

# What a client's upload produces (COS "Event types", 583/9707). The relay presigns single PUTs; POST
# Object is a client upload too. A copy is never a client upload: its bytes are whatever the copier read.
CLIENT_UPLOAD_EVENTS = frozenset({"cos:ObjectCreated:Put", "cos:ObjectCreated:Post"})
# Tencent's published events (SCF doc 583/31439, tencentyun/scf-go-lib events/cos_test.go) carry the rule's
# pattern instead of the event that happened; such an object is judged by its expectation alone.
UNSPECIFIED_EVENTS = frozenset({"cos:ObjectCreated:*"})
# Only a created object has bytes to record. A removal or restore event (cos:ObjectRemove:*,
# cos:ObjectRestore:*, from a rule that subscribes to more than creations) says nothing about the bytes now
# under the key: hashing then would record a client's later upload to that key as refused.
CREATED_EVENT_PREFIX = "cos:ObjectCreated:"
NOT_ISSUED = "No upload URL was issued for this key."


def record_upload(event: CosObjectEvent, settings: Settings, storage: Bucket) -> UploadRecord | None:
    """None when there is nothing to record: no object was created, another bucket, a key we did not hand out
    (outside uploads/ or not of our grammar: retrying would not help), or an object deleted before we ran."""
    if not event.event_name.startswith(CREATED_EVENT_PREFIX):
        logger.info("skipped an event that creates no object", extra={"event_name": event.event_name})
        return None
    if event.bucket != settings.bucket or not _is_upload_key(event.key):
        logger.info(
            "skipped object outside the trigger's scope", extra={"bucket": event.bucket, "key": event.key}
        )
        return None
    not_a_client_upload = None
    if event.event_name not in CLIENT_UPLOAD_EVENTS | UNSPECIFIED_EVENTS:
        not_a_client_upload = f"The object was not uploaded by a client ({event.event_name})."
    return hash_upload(event.key, storage, refused=not_a_client_upload)


def hash_upload(
    key: str, storage: Bucket, *, deadline: float | None = None, refused: str | None = None
) -> UploadRecord | None:
    """The record of the object now under `key`: written by us, or by whoever hashed this version first.
    None when the object is gone; OutOfTimeError when `deadline` (monotonic) passes while streaming."""
    digest = storage.digest(key, deadline=deadline)
    if digest is None:
        logger.info("object gone before hashing", extra={"key": key})
        return None
    if refused is None:
        expectation = read_record(storage, upload_expectation_key(key), UploadExpectation)
        refused = (
            NOT_ISSUED
            if expectation is None
            else expectation.mismatch(size=digest.size, md5=digest.md5, content_type=digest.content_type)
        )
    record = UploadRecord(
        key=key,
        etag=digest.etag,
        md5=digest.md5,
        size=digest.size,
        content_kind=sniff_content_kind(digest.head, digest.size),
        content_type=digest.content_type,
        refused=refused,
        recorded_at=datetime.now(timezone.utc),
    )
    record_key = upload_record_key(key, digest.etag)
    if storage.create_json(record_key, record.model_dump(mode="json")):
        log = logger.warning if refused else logger.info
        log(
            "upload refused" if refused else "upload recorded",
            extra={"key": key, "size": record.size, "content_kind": record.content_kind, "reason": refused},
        )
        return record
    winner = storage.read_json(record_key)
    logger.info("upload already recorded", extra={"key": key})
    return record if winner is None else UploadRecord.model_validate(winner)


def _is_upload_key(key: str) -> bool:
    try:
        validate_client_key(key)
    except InvalidKey:
        return False
    return True
