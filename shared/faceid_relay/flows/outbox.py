"""Webhooks at least once without a queue: an outbox on the bucket. When a verification becomes final (or is
redacted) its event is recorded once and sent at once; the sweeper sends again what was not delivered, with
exponential backoff for up to three days, and every attempt and its outcome is kept.

Each attempt is claimed with a create-once record before it is sent, so two sweepers (or a sweeper and the
delivery at once) never send the same attempt; a receiver may still see an event twice (a 2xx lost on the
way back), and deduplicates on its id."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from aws_lambda_powertools.metrics import MetricUnit

from faceid_relay.flows.ports import Bucket, WebhookReceiver
from faceid_relay.models.records import (
    WEBHOOKS_PREFIX,
    DeliveryAttempt,
    DeliveryOutcome,
    FinalRecord,
    FinalStatus,
    SessionRecord,
    WebhookEvent,
    WebhookEventData,
    WebhookEventType,
    delivery_attempt_key,
    delivery_outcome_key,
    undelivered_key,
    webhook_event_id,
    webhook_event_key,
    webhook_files_prefix,
)
from faceid_relay.observability import logger, metrics

RETRY_WINDOW = timedelta(days=3)
FIRST_RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=6)
# A claimed attempt with no outcome after this long died with its function (deliveries time out in 5 s).
STALE_ATTEMPT = timedelta(minutes=2)
UNDELIVERED_PREFIX = f"{WEBHOOKS_PREFIX}undelivered/"
FINAL_EVENTS: dict[FinalStatus, WebhookEventType] = {
    "passed": "verification.passed",
    "failed": "verification.failed",
    "expired": "verification.expired",
    "canceled": "verification.canceled",
}

HasTime = Callable[[], bool]


def verification_event(
    session: SessionRecord, final: FinalRecord, event_type: WebhookEventType, at: datetime
) -> WebhookEvent:
    """The event; built only from stored records, so whoever builds it builds the same bytes. The app's
    metadata goes with it, except once the verification is redacted (it is erased with the person)."""
    data = WebhookEventData(
        biz_token=session.biz_token,
        reference=session.reference,
        status=final.status,
        metadata=None if event_type == "verification.redacted" else session.metadata,
    )
    return WebhookEvent(
        id=webhook_event_id(session.biz_token, event_type), type=event_type, created_at=at, data=data
    )


def final_event(session: SessionRecord, final: FinalRecord) -> WebhookEvent:
    """verification.passed / failed / expired / canceled, at the moment the result was stored."""
    return verification_event(session, final, FINAL_EVENTS[final.status], final.finalized_at)


def publish(
    event: WebhookEvent, storage: Bucket, receiver: WebhookReceiver | None, *, new: bool = False
) -> None:
    """Record the event once and try to deliver it now. Without a webhook URL there is nothing to do.
    `new`: the caller has just created the record the event reports (it won the final record), so the
    event cannot be recorded yet and the bucket is not asked; should a sweep complete it in between, the
    create-once writes below still send nothing twice.

    Order: the undelivered index entry (which holds the whole event) first, then the event, so a crash in
    between leaves an entry the sweeper completes, never an event nobody will send."""
    if receiver is None or (not new and storage.read_json(webhook_event_key(event.id)) is not None):
        return
    payload = event.model_dump(mode="json")
    storage.create_json(undelivered_key(event.id), payload)
    storage.create_json(webhook_event_key(event.id), payload)
    _attempt(event, 1, storage, receiver, datetime.now(timezone.utc))


def retry_undelivered(storage: Bucket, receiver: WebhookReceiver, now: datetime, has_time: HasTime) -> int:
    """One sweep over the undelivered events: each due one is attempted once. Returns how many were sent."""
    sent = 0
    for key in storage.list_keys(UNDELIVERED_PREFIX):
        if not has_time():
            break
        stored = storage.read_json(key)
        if stored is None:
            continue
        try:
            event = WebhookEvent.model_validate(stored)
        except ValueError:
            logger.exception("undelivered webhook entry does not read", extra={"key": key})
            continue
        storage.create_json(webhook_event_key(event.id), stored)  # completes a publish cut short
        number = _next_attempt(event, storage, now)
        if number is not None and _attempt(event, number, storage, receiver, now) is not None:
            sent += 1
    return sent


def doubling_delay(first: timedelta, doublings: int, cap: timedelta) -> timedelta:
    """`first`, doubled `doublings` times, at most `cap`: the backoff of every sweeper retry."""
    delay: timedelta = first * 2**doublings
    return min(delay, cap)


def retry_delay(attempts: int) -> timedelta:
    """How long after attempt `attempts` failed the next one is due: 1 min, doubling, at most 6 h."""
    return doubling_delay(FIRST_RETRY_DELAY, attempts - 1, MAX_RETRY_DELAY)


def _next_attempt(event: WebhookEvent, storage: Bucket, now: datetime) -> int | None:
    """The number of the attempt to make now, or None (in flight, not due yet, delivered or given up; the
    last two remove the index entry)."""
    names = storage.list_keys(webhook_files_prefix(event.id))
    last = max((_attempt_number(name) for name in names), default=0)
    if last == 0:
        return 1
    stored_outcome = storage.read_json(delivery_outcome_key(event.id, last))
    if stored_outcome is None:
        claim = storage.read_json(delivery_attempt_key(event.id, last))
        started = DeliveryAttempt.model_validate(claim).started_at if claim else now
        if now - started < STALE_ATTEMPT:
            return None
        finished = started
    else:
        outcome = DeliveryOutcome.model_validate(stored_outcome)
        if outcome.delivered:
            storage.delete(undelivered_key(event.id))
            return None
        finished = outcome.finished_at
    if now - event.created_at > RETRY_WINDOW:
        logger.warning("webhook given up", extra={"event_id": event.id, "type": event.type, "attempts": last})
        metrics.add_metric(name="WebhooksGivenUp", unit=MetricUnit.Count, value=1)
        storage.delete(undelivered_key(event.id))
        return None
    return last + 1 if now >= finished + retry_delay(last) else None


def _attempt_number(name: str) -> int:
    stem = name.rpartition("/")[2]
    return int(stem[len("attempt-") : -len(".json")]) if stem.startswith("attempt-") else 0


def _attempt(
    event: WebhookEvent, number: int, storage: Bucket, receiver: WebhookReceiver, now: datetime
) -> bool | None:
    """Claim attempt `number` and send it: None when another sweep claimed it, else whether it got through."""
    claim = DeliveryAttempt(event_id=event.id, number=number, started_at=now)
    if not storage.create_json(delivery_attempt_key(event.id, number), claim.model_dump(mode="json")):
        return None
    result = receiver.deliver(event.body())
    outcome = DeliveryOutcome(
        event_id=event.id,
        number=number,
        finished_at=max(now, datetime.now(timezone.utc)),
        delivered=result.delivered,
        http_status=result.http_status,
        error=result.error,
    )
    storage.create_json(delivery_outcome_key(event.id, number), outcome.model_dump(mode="json"))
    logger.info(
        "webhook delivered" if result.delivered else "webhook not delivered",
        extra={
            "event_id": event.id,
            "type": event.type,
            "attempt": number,
            "http_status": result.http_status,
            "error": result.error,
        },
    )
    metrics.add_metric(
        name="WebhooksDelivered" if result.delivered else "WebhookAttemptsFailed",
        unit=MetricUnit.Count,
        value=1,
    )
    if result.delivered:
        storage.delete(undelivered_key(event.id))
    return result.delivered
