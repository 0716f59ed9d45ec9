"""The state kept as JSON on the deployment's own bucket (there is no database), and the one key layout:
nothing a function writes is under the trigger's uploads/ prefix, nor at a path a client can steer.

Each class of object has a top-level prefix of its own, because retention (a bucket lifecycle rule) and
permissions (one CAM policy per function) are both given per prefix: see deploy/README.md."""

import hashlib
import json
import re
from datetime import datetime, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from faceid_relay.models.responses import Attempt, StoredMedia
from faceid_relay.models.rules import (
    UPLOADS_PREFIX,
    ApiFlavor,
    BizToken,
    ComparisonId,
    ContentKind,
    Md5Hex,
    Metadata,
    md5_hex,
    validate_biz_token,
    validate_client_key,
    validate_comparison_id,
)

UPLOAD_EXPECTATIONS_PREFIX = "upload-expectations/"  # what presign promised: size, MD5, content type
UPLOAD_RECORDS_PREFIX = "upload-records/"  # what hashing found in each version of an upload
VERIFICATIONS_PREFIX = "verifications/"  # session and final record per BizToken
IDEMPOTENCY_PREFIX = "idempotency/"  # Idempotency-Key (hashed) -> BizToken
RESULTS_PREFIX = "results/"  # media copied out of FaceID (best frames, videos, light sequences)
COMPARISONS_PREFIX = "comparisons/"  # one record per liveness comparison, and the live data each used
WEBHOOKS_PREFIX = "webhooks/"  # the outbox: events, delivery attempts and outcomes, the undelivered index
OPEN_VERIFICATIONS_PREFIX = "open-verifications/"  # when the sweeper looks at a verification, by due time
RESULT_CHECKS_PREFIX = "result-checks/"  # who may ask FaceID for a pending result, per BizToken and window

FinalStatus = Literal["passed", "failed", "expired", "canceled"]
WebhookEventType = Literal[
    "verification.passed",
    "verification.failed",
    "verification.expired",
    "verification.canceled",
    "verification.redacted",
]

# COS ETags are the quoted MD5 of a simple upload, or "<hex>-<parts>" for multipart ones.
_ETAG = re.compile(r"[0-9A-Za-z-]{1,64}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_EVENT_ID = re.compile(r"evt_[0-9a-f]{32}")
_DUE_STAMP = "%Y%m%dT%H%M%SZ"
# Whose result a file is (a BizToken, or e.g. "sequence-<hex>") and its file name: one plain segment each.
_RESULT_OWNER = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_RESULT_NAME = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
MAX_RESULT_SEGMENT = 100


class StoredRecord(BaseModel):
    """camelCase JSON like the API; unknown fields ignored so older code reads newer records. Immutable: each
    is written once (x-cos-forbid-overwrite), and a state change is a new record."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
        frozen=True,
        extra="ignore",
        defer_build=True,
    )


class UploadExpectation(StoredRecord):
    """What presign promised for an upload: the object hashed under its key must match it."""

    key: str = Field(description="The upload's key (uploads/<purpose>/<hex>).")
    size: int = Field(ge=0, description="Exact size in bytes the upload URL was signed for.")
    md5: Md5Hex | None = Field(description="MD5 the upload URL was signed for, when the caller gave one.")
    content_type: str = Field(description="Content-Type the upload URL was signed for.")
    created_at: datetime = Field(description="When the upload URL was issued (UTC).")

    def mismatch(self, *, size: int, md5: str, content_type: str) -> str | None:
        """Why an object is not the upload promised here, or None when it is."""
        if size != self.size:
            return f"The object has {size} bytes, but the upload URL was issued for {self.size}."
        if self.md5 is not None and md5 != self.md5:
            return "The object's MD5 is not the one the upload URL was issued for."
        if content_type.split(";", 1)[0].strip().lower() != self.content_type.lower():
            return (
                f"The object is {content_type or 'untyped'}, "
                f"but the upload URL was issued for {self.content_type}."
            )
        return None


class UploadRecord(StoredRecord):
    """What hashing found in one version of an upload (by the COS trigger, or on first use)."""

    key: str = Field(description="The upload's key (uploads/<purpose>/<hex>).")
    etag: str = Field(description="COS ETag of the version that was hashed (without quotes).")
    md5: Md5Hex = Field(
        description="MD5 of the bytes, streamed and computed by us (ETag is not always the MD5)."
    )
    size: int = Field(ge=0, description="Size in bytes.")
    content_kind: ContentKind = Field(description="What the first bytes show the content is.")
    content_type: str = Field(description="Content-Type COS stored with the object.")
    refused: str | None = Field(
        default=None,
        description="Why this version is refused (not what presign promised, not a client upload); "
        "None when it may be used.",
    )
    recorded_at: datetime = Field(description="When the record was written (UTC).")


class SessionRecord(StoredRecord):
    """A web verification as issued (pending until a FinalRecord exists for the same BizToken)."""

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    flavor: ApiFlavor = Field(description="Which web flow issued it (decides how the result is read).")
    reference: str | None = Field(description="The app's own reference.")
    return_url: str = Field(description="The re-serialised returnUrl, fixed at issuance.")
    compare_image_key: str | None = Field(description="Key of the compare image, when one was used.")
    compare_image_md5: Md5Hex | None = Field(description="Its MD5 as recorded at upload.")
    request_hash: str = Field(
        description="SHA-256 of the canonical request, to recognise an idempotent retry."
    )
    verification_url: str = Field(
        description="FaceID's page for the user, returned again on a retried request."
    )
    created_at: datetime = Field(description="When the BizToken was issued (UTC).")
    expires_at: datetime = Field(description="When the user must have started by (UTC).")
    metadata: Metadata | None = Field(default=None, description="The app's metadata, as given.")
    extra: str | None = Field(default=None, description="Extra as given (live flavor).")


class FinalRecord(StoredRecord):
    """A web verification's outcome, copied out of FaceID before it clears it."""

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    status: FinalStatus = Field(description="passed, failed, expired, or canceled (by the app backend).")
    error_code: int | None = Field(description="FaceID's final ErrorCode (0 = passed).")
    error_message: str | None = Field(description="FaceID's ErrorMsg.")
    similarity: float | None = Field(description="Similarity 0-100 of the last attempt.")
    attempts: list[Attempt] = Field(description="Every attempt, oldest first.")
    media: dict[str, StoredMedia] = Field(
        description="Media copied into results/, by name (bestFrame, video)."
    )
    finalized_at: datetime = Field(description="When this record was written (UTC).")
    request_id: str | None = Field(default=None, description="FaceID's RequestId of the result read.")
    extra: str | None = Field(default=None, description="Extra as FaceID returned it.")


class RedactionRecord(StoredRecord):
    """That a verification's personal data is being (or has been) erased: written once, before anything is
    deleted, so from then on reads answer redacted and nothing points at an object about to go."""

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    redacted_at: datetime = Field(description="When the redaction was asked for (UTC).")
    keys: list[str] = Field(description="Objects to delete: copied media, then the compare image.")
    upload_record_prefixes: list[str] = Field(
        description="Prefixes of the compare image's upload records (one per version) and expectation."
    )


class OpenVerification(StoredRecord):
    """An index entry: a verification the sweeper must look at once `due_at` has passed, unless it is final
    by then. The key sorts by due time, so a sweep lists only what is due."""

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    due_at: datetime = Field(
        description="When to look (UTC): the end of the BizToken's lifetime, then later."
    )
    checks: int = Field(ge=0, description="How many times FaceID already said it was still pending.")


class WebhookEventData(StoredRecord):
    """What a webhook says about a verification: nothing personal."""

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    reference: str | None = Field(description="The app's own reference, as given at issuance.")
    status: FinalStatus = Field(description="The verification's status.")
    metadata: Metadata | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="The app's metadata as given at issuance, when it gave any (never after a redaction).",
    )


class WebhookEvent(StoredRecord):
    """One webhook event, exactly as its body is sent (camelCase JSON); `id` is the same on every delivery."""

    id: str = Field(description="Stable id of the event (evt_ + 32 hex): deduplicate on it.")
    type: WebhookEventType = Field(description="What happened.")
    created_at: datetime = Field(description="When it happened (UTC).")
    data: WebhookEventData

    def body(self) -> bytes:
        """The exact bytes sent and signed: the same on every attempt."""
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":"), sort_keys=True).encode()


class DeliveryAttempt(StoredRecord):
    """Attempt `number` of an event's delivery, claimed (create-once) before it is sent, so two sweepers
    never send the same attempt."""

    event_id: str = Field(description="The event's id.")
    number: int = Field(ge=1, description="1 for the delivery at once, then one per retry.")
    started_at: datetime = Field(description="When the attempt was claimed (UTC).")


class DeliveryOutcome(StoredRecord):
    """How attempt `number` went."""

    event_id: str = Field(description="The event's id.")
    number: int = Field(ge=1, description="The attempt it belongs to.")
    finished_at: datetime = Field(description="When the receiver answered or the attempt gave up (UTC).")
    delivered: bool = Field(description="True when the receiver answered 2xx.")
    http_status: int | None = Field(description="The receiver's HTTP status; null when none came.")
    error: str | None = Field(description="Why no answer came (timeout, connection refused, ...).")


class ResultCheckRecord(StoredRecord):
    """That FaceID was asked for a pending verification's result in one time window (by whoever wrote it)."""

    biz_token: BizToken = Field(description="FaceID's BizToken.")
    window_start: datetime = Field(description="When the window began (UTC).")
    checked_at: datetime = Field(description="When FaceID was asked (UTC).")
    claim_id: str = Field(description="Random id of the request that wrote it (tells its own write apart).")


class _IdempotencyKeyUse(StoredRecord):
    """What an Idempotency-Key was first used with; a retry must send the same request to get the same."""

    key_hash: str = Field(description="SHA-256 of the Idempotency-Key (the key itself is not stored).")
    request_hash: str = Field(description="SHA-256 of the canonical request it came with.")
    created_at: datetime = Field(description="When it was first used (UTC).")


class IdempotencyRecord(_IdempotencyKeyUse):
    """Which BizToken an Idempotency-Key on POST /verifications produced, and for which request."""

    biz_token: BizToken = Field(description="The BizToken issued for it.")


class ComparisonRecord(StoredRecord):
    """A finished liveness comparison, written once; its best frame is under results/<id>/."""

    id: ComparisonId = Field(description="The comparison's id.")
    request_hash: str = Field(description="SHA-256 of the canonical request.")
    reference: str | None = Field(description="The app's own reference.")
    metadata: Metadata | None = Field(default=None, description="The app's metadata, as given.")
    live_data_md5: Md5Hex = Field(description="MD5 of the live data compared (its claim is keyed by it).")
    result: str = Field(description="FaceID's result code.")
    description: str = Field(description="FaceID's description of the result.")
    similarity: float = Field(description="Similarity 0-100.")
    passed: bool = Field(description="Whether it passed this deployment's threshold.")
    best_frame: StoredMedia | None = Field(description="The best frame copied into results/.")
    request_id: str = Field(description="FaceID's RequestId.")
    created_at: datetime = Field(description="When the comparison was made (UTC).")


class ComparisonRedaction(StoredRecord):
    """That a liveness comparison's personal data was erased: written once, before its best frames go."""

    comparison_id: ComparisonId = Field(description="The comparison's id.")
    redacted_at: datetime = Field(description="When the redaction was asked for (UTC).")


class LiveDataClaim(StoredRecord):
    """Which comparison used a piece of live data: written once before FaceID sees it, so the same
    capture cannot be compared twice (removed again only when the comparison failed without a verdict)."""

    live_data_md5: Md5Hex = Field(description="MD5 of the live data.")
    comparison_id: ComparisonId = Field(description="The comparison that used it.")
    key_hash: str | None = Field(
        description="SHA-256 of the request's Idempotency-Key: a retry with it may finish the comparison."
    )
    request_hash: str = Field(description="SHA-256 of the canonical request.")
    created_at: datetime = Field(description="When it was claimed (UTC).")


class ComparisonIdempotencyRecord(_IdempotencyKeyUse):
    """Which comparison an Idempotency-Key on POST /liveness-comparisons stands for, and for which request."""

    comparison_id: ComparisonId = Field(description="The comparison it stands for.")


def upload_record_key(key: str, etag: str) -> str:
    """upload-records/<purpose>/<hex>/<etag>.json: one record per object version, so a duplicate trigger
    event, or a trigger racing a first use, finds its record already written."""
    etag = etag.strip('"')
    if not _ETAG.fullmatch(etag):
        raise ValueError(f"{etag!r} is not a COS ETag")
    return f"{UPLOAD_RECORDS_PREFIX}{_upload_path(key)}/{etag}.json"


def upload_expectation_key(key: str) -> str:
    """upload-expectations/<purpose>/<hex>.json: what presign promised for this key, written once."""
    return f"{UPLOAD_EXPECTATIONS_PREFIX}{_upload_path(key)}.json"


def _upload_path(key: str) -> str:
    return validate_client_key(key).removeprefix(UPLOADS_PREFIX)


def session_key(biz_token: str) -> str:
    return _verification_file(biz_token, "session")


def final_key(biz_token: str) -> str:
    return _verification_file(biz_token, "final")


def redaction_key(biz_token: str) -> str:
    return _verification_file(biz_token, "redacted")


def _verification_file(biz_token: str, name: str) -> str:
    """verifications/<BizToken>/<name>.json."""
    return f"{VERIFICATIONS_PREFIX}{validate_biz_token(biz_token)}/{name}.json"


def upload_records_prefix(key: str) -> str:
    """The prefix under which every version's record of an upload lies (see upload_record_key)."""
    return f"{UPLOAD_RECORDS_PREFIX}{_upload_path(key)}/"


def webhook_event_id(biz_token: str, event_type: str) -> str:
    """The same id for the same happening, whoever records it and however often: at most one event of
    each type per verification (it becomes final once, is redacted once)."""
    digest = hashlib.sha256(f"{validate_biz_token(biz_token).upper()}:{event_type}".encode()).hexdigest()
    return f"evt_{digest[:32]}"


def webhook_event_key(event_id: str) -> str:
    return f"{WEBHOOKS_PREFIX}events/{_event_id(event_id)}/event.json"


def webhook_files_prefix(event_id: str) -> str:
    """Where an event, its attempts and their outcomes lie."""
    return f"{WEBHOOKS_PREFIX}events/{_event_id(event_id)}/"


def delivery_attempt_key(event_id: str, number: int) -> str:
    return f"{webhook_files_prefix(event_id)}attempt-{number:03d}.json"


def delivery_outcome_key(event_id: str, number: int) -> str:
    return f"{webhook_files_prefix(event_id)}outcome-{number:03d}.json"


def undelivered_key(event_id: str) -> str:
    """webhooks/undelivered/<id>.json: the index the sweeper lists; removed once delivered or given up."""
    return f"{WEBHOOKS_PREFIX}undelivered/{_event_id(event_id)}.json"


def open_verification_key(due_at: datetime, biz_token: str) -> str:
    """open-verifications/<due, UTC, sortable>/<BizToken>.json."""
    return f"{OPEN_VERIFICATIONS_PREFIX}{due_at.strftime(_DUE_STAMP)}/{validate_biz_token(biz_token)}.json"


def open_verification_due(key: str) -> datetime:
    """The due time a key of open_verification_key sorts by."""
    stamp = key.removeprefix(OPEN_VERIFICATIONS_PREFIX).partition("/")[0]
    return datetime.strptime(stamp, _DUE_STAMP).replace(tzinfo=timezone.utc)


def _event_id(event_id: str) -> str:
    if not _EVENT_ID.fullmatch(event_id):
        raise ValueError(f"{event_id!r} is not a webhook event id")
    return event_id


def result_check_key(biz_token: str, window: int) -> str:
    """result-checks/<BizToken>/<window>.json, `window` the number of whole intervals since the epoch."""
    if window < 0:
        raise ValueError("a result-check window counts intervals since the epoch")
    return f"{RESULT_CHECKS_PREFIX}{validate_biz_token(biz_token)}/{window}.json"


def idempotency_key(key_hash: str) -> str:
    """idempotency/<sha256 hex>.json, from the hash of the client's Idempotency-Key."""
    if not _SHA256_HEX.fullmatch(key_hash):
        raise ValueError("an idempotency record is keyed by the SHA-256 hex of the Idempotency-Key")
    return f"{IDEMPOTENCY_PREFIX}{key_hash}.json"


def result_media_key(owner: str, name: str) -> str:
    """results/<owner>/<name>: a file copied out of FaceID. `owner` is the BizToken it belongs to (or another
    id made of letters, digits and single hyphens); `name` a plain file name such as best-frame.jpg."""
    if len(owner) > MAX_RESULT_SEGMENT or not _RESULT_OWNER.fullmatch(owner):
        raise ValueError(f"{owner!r} is not a result owner id")
    if len(name) > MAX_RESULT_SEGMENT or not _RESULT_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain file name")
    return f"{RESULTS_PREFIX}{owner}/{name}"


def comparison_key(comparison_id: str) -> str:
    """comparisons/<id>.json."""
    return f"{COMPARISONS_PREFIX}{validate_comparison_id(comparison_id)}.json"


def comparison_redaction_key(comparison_id: str) -> str:
    """comparisons/redacted/<id>.json."""
    return f"{COMPARISONS_PREFIX}redacted/{validate_comparison_id(comparison_id)}.json"


def live_data_claim_key(live_data_md5: str) -> str:
    """comparisons/live-data/<md5>.json: keyed by the content, so the same capture under another key or URL
    is the same claim."""
    return f"{COMPARISONS_PREFIX}live-data/{md5_hex(live_data_md5).lower()}.json"


def comparison_idempotency_key(key_hash: str) -> str:
    """An Idempotency-Key of POST /liveness-comparisons, apart from those of POST /verifications."""
    if not _SHA256_HEX.fullmatch(key_hash):
        raise ValueError("an idempotency record is keyed by the SHA-256 hex of the Idempotency-Key")
    return f"{IDEMPOTENCY_PREFIX}liveness-comparisons/{key_hash}.json"
