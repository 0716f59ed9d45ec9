"""A web verification's result: finished once (copied out of FaceID, media first, before FaceID clears it)
at the callback or at the first read, then read from the bucket; the browser goes back to the returnUrl
fixed at issuance."""

import time
import uuid
from datetime import datetime, timezone
from urllib.parse import urlencode

from aws_lambda_powertools.metrics import MetricUnit

from faceid_relay.errors import (
    InvalidToken,
    ProviderMediaUnavailable,
    RateLimited,
    RelayError,
    VerificationNotFound,
)
from faceid_relay.faceid import PROVIDER_ERRORS, WebVerificationOutcome
from faceid_relay.flows.media import ResultFile, copy_provider_media, media_link
from faceid_relay.flows.outbox import final_event, publish
from faceid_relay.flows.ports import Bucket, FaceIdApi, WebhookReceiver, create_or_read, stored_record
from faceid_relay.models.records import (
    FinalRecord,
    RedactionRecord,
    ResultCheckRecord,
    SessionRecord,
    final_key,
    redaction_key,
    result_check_key,
    session_key,
)
from faceid_relay.models.responses import StoredMedia, VerificationResult
from faceid_relay.observability import metrics, record_error
from faceid_relay.settings import Settings
from faceid_relay.storage import STORAGE_ERRORS

MAX_MEDIA_BYTES = 32 * 1024 * 1024
RESULT_ERRORS: tuple[type[RelayError], ...] = (
    InvalidToken,
    VerificationNotFound,
    *PROVIDER_ERRORS,
    ProviderMediaUnavailable,
    *STORAGE_ERRORS,
)
MEDIA_FILES = {
    "bestFrame": ResultFile("best-frame.jpg", "image/jpeg", MAX_MEDIA_BYTES, "result media"),
    "video": ResultFile("video.mp4", "video/mp4", MAX_MEDIA_BYTES, "result media"),
}


def finish_verification(
    raw_token: str,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
    webhooks: WebhookReceiver | None = None,
    *,
    redirect_failures: bool = False,
) -> str:
    """The callback: where to send the browser. Only a token we issued is accepted, the result is
    fetched once per token and stored before the session is marked final; the redirect goes to the
    returnUrl fixed at issuance, never to anything the request names.

    Anyone holding the token may call it, so FaceID's rate limit is never waited out here: the browser is
    sent on with status=pending. `redirect_failures` (a person's browser): any other failure once the
    verification is known sends the browser to its returnUrl with status=error instead of raising; the app
    reads the truth with GET /verifications."""
    session = read_session(raw_token, storage)
    try:
        final = finalize_verification(session, settings, storage, faceid, webhooks, once_per_window=True)
    except RateLimited as error:
        record_error(error)
        final = None
    except RelayError as error:
        if not redirect_failures:
            raise
        record_error(error)
        return return_location(session, "error")
    return return_location(session, final.status if final is not None else "pending")


def read_verification_result(
    raw_token: str,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
    webhooks: WebhookReceiver | None = None,
) -> VerificationResult:
    """The truth for the app backend. A session whose user never came back is finalized here too, so
    the result is kept even when the browser was closed before the redirect."""
    session = read_session(raw_token, storage)
    final = finalize_verification(session, settings, storage, faceid, webhooks, once_per_window=True)
    if final is None:
        return VerificationResult.pending(session)
    return stored_result(session, final, settings, storage)


def stored_result(
    session: SessionRecord, final: FinalRecord, settings: Settings, storage: Bucket
) -> VerificationResult:
    """A final verification as the API answers it: its media as short-lived links, or, once redacted,
    nothing about the person."""
    redaction = storage.read_json(redaction_key(session.biz_token))
    if redaction is not None:
        return VerificationResult.redacted(session, final, RedactionRecord.model_validate(redaction))
    media = {
        name: media_link(item, MEDIA_FILES[name], settings, storage) for name, item in final.media.items()
    }
    return VerificationResult.from_final(session, final, media)


def return_location(session: SessionRecord, status: str) -> str:
    """The stored returnUrl with status and the app's reference appended; the app's own query and fragment
    stay byte for byte (a signed return URL must still verify)."""
    outcome = [("status", status), *([("reference", session.reference)] if session.reference else [])]
    url, hash_mark, fragment = session.return_url.partition("#")
    separator = "&" if "?" in url and not url.endswith(("?", "&")) else "" if "?" in url else "?"
    return f"{url}{separator}{urlencode(outcome)}{hash_mark}{fragment}"


def read_session(raw_token: str, storage: Bucket) -> SessionRecord:
    # session_key refuses anything but a BizToken (400 InvalidToken).
    return stored_record(storage, session_key(raw_token), SessionRecord, VerificationNotFound)


def finalize_verification(
    session: SessionRecord,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
    webhooks: WebhookReceiver | None = None,
    *,
    once_per_window: bool = False,
) -> FinalRecord | None:
    """The final record, creating it at most once; None while the user has not finished. Concurrent
    finishers (callback, read, sweeper, cancel) race on a create-once write: the loser answers with the
    winner's record; the winner publishes the webhook event. `once_per_window` (requests anyone can repeat:
    the callback, result reads): FaceID is asked only by the first per BizToken and result-check window."""
    existing = storage.read_json(final_key(session.biz_token))
    if existing is not None:
        return FinalRecord.model_validate(existing)
    if once_per_window and not _claim_result_check(session.biz_token, settings, storage):
        return None
    outcome = faceid.get_web_verification_result(session.flavor, session.biz_token)
    if outcome.status is None:
        return None
    final = FinalRecord(
        biz_token=session.biz_token,
        status=outcome.status,
        error_code=outcome.error_code,
        error_message=outcome.error_message,
        similarity=outcome.similarity,
        attempts=outcome.attempts,
        media=_store_media(session, outcome, storage),
        finalized_at=datetime.now(timezone.utc),
        request_id=outcome.request_id,
        extra=outcome.extra,
    )
    winner = create_or_read(storage, final_key(session.biz_token), final)
    if winner is not final:
        if winner.status == "canceled":
            # Canceled while we fetched: what we copied belongs to no result, keep nothing of the person.
            for media in final.media.values():
                storage.delete(media.key)
        return winner
    metrics.add_metric(name=f"Verifications{final.status.capitalize()}", unit=MetricUnit.Count, value=1)
    if settings.delete_compare_image and session.compare_image_key:
        storage.delete(session.compare_image_key)
    publish(final_event(session, final), storage, webhooks, new=True)
    return final


def _claim_result_check(biz_token: str, settings: Settings, storage: Bucket) -> bool:
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
        claim_id=uuid.uuid4().hex,
    )
    key = result_check_key(biz_token, window)
    if storage.create_json(key, record.model_dump(mode="json")):
        return True
    # The SDK retries a write whose answer it lost, and the retry meets our own marker (409): still ours.
    stored = storage.read_json(key)
    if stored is not None and ResultCheckRecord.model_validate(stored).claim_id == record.claim_id:
        return True
    metrics.add_metric(name="ResultChecksSkipped", unit=MetricUnit.Count, value=1)
    return False


def _store_media(
    session: SessionRecord, outcome: WebVerificationOutcome, storage: Bucket
) -> dict[str, StoredMedia]:
    """Media first, final record second, so a final record never points at something missing."""
    return {
        name: copy_provider_media(storage, media, session.biz_token, MEDIA_FILES[name])
        for name, media in outcome.media.items()
    }
