"""What an app backend may do to a verification after issuing it, as Stripe Identity allows: cancel it while
it is pending, and erase what identifies the person once it is over.

Cancel is the final record with status canceled, create-once: if a callback got there first, the cancel
answers 409 with that status; if the cancel got there first, a late callback reads canceled.

Redact, in this order, each step safe to repeat:
1. the redaction record (create-once, listing what goes): from here on every read answers redacted, so
   no answer ever links to an object about to be deleted;
2. the copied media: everything under results/<BizToken>/ (also what a callback that lost to a cancel
   copied);
3. the compare image under uploads/ (if still there);
4. the upload records of that image and what its upload URL was issued for: last, because they point at
   it, never the other way round;
5. the verification.redacted event, so the event means "done".
A failure anywhere leaves the record in place; repeating the call redoes every deletion (deleting what is
gone is not an error) and answers the same."""

from datetime import datetime, timezone

from faceid_relay.errors import (
    ComparisonNotFound,
    InvalidRequest,
    InvalidToken,
    RelayError,
    VerificationFinished,
    VerificationNotFound,
    VerificationPending,
)
from faceid_relay.flows.comparisons import stored_comparison
from faceid_relay.flows.outbox import final_event, publish, verification_event
from faceid_relay.flows.ports import Bucket, WebhookReceiver, create_or_read, stored_record
from faceid_relay.flows.results import read_session, stored_result
from faceid_relay.models.records import (
    RESULTS_PREFIX,
    ComparisonRedaction,
    FinalRecord,
    RedactionRecord,
    comparison_redaction_key,
    final_key,
    redaction_key,
    upload_expectation_key,
    upload_records_prefix,
)
from faceid_relay.models.responses import LivenessComparison, VerificationResult
from faceid_relay.observability import logger
from faceid_relay.settings import Settings
from faceid_relay.storage import STORAGE_ERRORS

# An upload has one record per version; a handful at most.
MAX_LISTED = 1000
CANCEL_ERRORS: tuple[type[RelayError], ...] = (
    InvalidToken,
    VerificationNotFound,
    VerificationFinished,
    *STORAGE_ERRORS,
)
REDACT_COMPARISON_ERRORS: tuple[type[RelayError], ...] = (InvalidRequest, ComparisonNotFound, *STORAGE_ERRORS)
REDACT_ERRORS: tuple[type[RelayError], ...] = (
    InvalidToken,
    VerificationNotFound,
    VerificationPending,
    *STORAGE_ERRORS,
)


def cancel_verification(
    raw_token: str, settings: Settings, storage: Bucket, webhooks: WebhookReceiver | None
) -> VerificationResult:
    """Stop a pending verification for good; repeating it answers the same."""
    session = read_session(raw_token, storage)
    canceled = FinalRecord(
        biz_token=session.biz_token,
        status="canceled",
        error_code=None,
        error_message=None,
        similarity=None,
        attempts=[],
        media={},
        finalized_at=datetime.now(timezone.utc),
    )
    final = create_or_read(storage, final_key(session.biz_token), canceled)
    if final is canceled:
        logger.info("verification canceled")
        publish(final_event(session, canceled), storage, webhooks, new=True)
    elif final.status != "canceled":
        raise VerificationFinished.named(final.status)
    return stored_result(session, final, settings, storage)


def redact_verification(
    raw_token: str, settings: Settings, storage: Bucket, webhooks: WebhookReceiver | None
) -> VerificationResult:
    """Erase the person's data from this deployment (see the module docstring for the order)."""
    session = read_session(raw_token, storage)
    final = stored_record(storage, final_key(session.biz_token), FinalRecord, VerificationPending)
    image = session.compare_image_key
    planned = RedactionRecord(
        biz_token=session.biz_token,
        redacted_at=datetime.now(timezone.utc),
        keys=[
            *storage.list_keys(f"{RESULTS_PREFIX}{session.biz_token}/", limit=MAX_LISTED),
            *([image] if image else []),
        ],
        upload_record_prefixes=[upload_records_prefix(image), upload_expectation_key(image)] if image else [],
    )
    redaction = create_or_read(storage, redaction_key(session.biz_token), planned)
    # Media copied after the record was planned (a callback that lost to a cancel) go too.
    for key in dict.fromkeys([*redaction.keys, *storage.list_keys(f"{RESULTS_PREFIX}{session.biz_token}/")]):
        storage.delete(key)
    for prefix in redaction.upload_record_prefixes:
        for key in storage.list_keys(prefix, limit=MAX_LISTED):
            storage.delete(key)
    logger.info("verification redacted", extra={"deleted": len(redaction.keys)})
    publish(
        verification_event(session, final, "verification.redacted", redaction.redacted_at), storage, webhooks
    )
    return VerificationResult.redacted(session, final, redaction)


def redact_liveness_comparison(raw_id: str, storage: Bucket) -> LivenessComparison:
    """The same for an app-SDK liveness comparison: the redaction record first (reads answer redacted from
    then on), then its best frames under results/<id>/. The live data claim stays: it holds only an MD5,
    and it is what stops the same capture from being compared again. The uploads themselves go by the
    bucket's lifecycle rule (uploads/, 1 day)."""
    record = stored_comparison(raw_id, storage)
    planned = ComparisonRedaction(comparison_id=record.id, redacted_at=datetime.now(timezone.utc))
    redaction = create_or_read(storage, comparison_redaction_key(record.id), planned)
    for key in storage.list_keys(f"{RESULTS_PREFIX}{record.id}/", limit=MAX_LISTED):
        storage.delete(key)
    logger.info("liveness comparison redacted", extra={"comparison_id": record.id})
    return LivenessComparison.redacted(record, redaction)
