"""hash-on-upload: stream each new upload once, record its MD5, size and content kind where the
trigger cannot see it (records/), once per object version, so duplicate events are harmless."""

from datetime import datetime, timezone

from faceid_relay.errors import InvalidKey
from faceid_relay.flows.ports import Bucket
from faceid_relay.models.records import UploadRecord, upload_record_key
from faceid_relay.models.rules import sniff_content_kind, validate_client_key
from faceid_relay.observability import logger
from faceid_relay.platform.cos_trigger import CosObjectEvent
from faceid_relay.settings import Settings


def record_upload(event: CosObjectEvent, settings: Settings, storage: Bucket) -> UploadRecord | None:
    """None when there is nothing to record: another bucket, a key we did not hand out (outside
    uploads/ or not of our grammar: retrying would not help), or an object deleted before we ran."""
    if event.bucket != settings.bucket or not _is_upload_key(event.key):
        logger.info(
            "skipped object outside the trigger's scope", extra={"bucket": event.bucket, "key": event.key}
        )
        return None
    digest = storage.digest(event.key)
    if digest is None:
        logger.info("object gone before hashing", extra={"key": event.key})
        return None
    record = UploadRecord(
        key=event.key,
        etag=digest.etag,
        md5=digest.md5,
        size=digest.size,
        content_kind=sniff_content_kind(digest.head, digest.size),
        content_type=digest.content_type,
        recorded_at=datetime.now(timezone.utc),
    )
    created = storage.create_json(upload_record_key(event.key, digest.etag), record.model_dump(mode="json"))
    logger.info(
        "upload recorded" if created else "upload already recorded",
        extra={"key": event.key, "size": record.size, "content_kind": record.content_kind},
    )
    return record


def _is_upload_key(key: str) -> bool:
    try:
        validate_client_key(key)
    except InvalidKey:
        return False
    return True
