"""The scheduled sweep (every minute): finalize verifications whose user never came back and that nobody
polled, through the same results logic as the callback (so the same provider budget per token applies),
while FaceID still keeps the result; then send the webhook events that are not delivered yet.

Issuance leaves an entry under open-verifications/, keyed by when to look (the BizToken's lifetime plus a
grace for a user who started at the last moment). The sweep lists only what is due, in due order. An entry
goes once its verification is final and its event recorded; one FaceID still calls pending is looked at
again later, less and less often, until FaceID says it expired (three days at most)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from faceid_relay.errors import RelayError
from faceid_relay.flows.outbox import doubling_delay, final_event, publish, retry_undelivered
from faceid_relay.flows.ports import Bucket, FaceIdApi, WebhookReceiver
from faceid_relay.flows.results import finalize_verification
from faceid_relay.models.records import (
    OPEN_VERIFICATIONS_PREFIX,
    OpenVerification,
    SessionRecord,
    open_verification_due,
    open_verification_key,
    session_key,
)
from faceid_relay.observability import logger
from faceid_relay.settings import Settings

# A user who opened FaceID's page just before the BizToken's start deadline needs a few minutes to finish.
FIRST_LOOK_GRACE = timedelta(minutes=5)
RECHECK_DELAY = timedelta(minutes=5)
MAX_RECHECK_DELAY = timedelta(hours=6)
# Entries looked at per sweep; the next sweep, a minute later, goes on.
MAX_ENTRIES_PER_SWEEP = 200

HasTime = Callable[[], bool]


@dataclass(frozen=True)
class SweepReport:
    closed: int  # entries done with: final (by the sweep or anyone before), event recorded
    still_pending: int
    webhooks_sent: int


def open_verification(session: SessionRecord) -> tuple[str, OpenVerification]:
    """The entry issuance writes: first look once the BizToken can no longer be started, plus the grace."""
    due_at = session.expires_at + FIRST_LOOK_GRACE
    entry = OpenVerification(biz_token=session.biz_token, due_at=due_at, checks=0)
    return open_verification_key(due_at, session.biz_token), entry


def sweep(
    now: datetime,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
    webhooks: WebhookReceiver | None,
    has_time: HasTime,
) -> SweepReport:
    """Finalize the open verifications that are due (oldest first, while time is left), then retry the
    webhook events not delivered yet."""
    closed = pending = 0
    for key in storage.list_keys(OPEN_VERIFICATIONS_PREFIX, limit=MAX_ENTRIES_PER_SWEEP):
        if open_verification_due(key) > now or not has_time():
            break
        try:
            outcome = _look_at(key, now, settings, storage, faceid, webhooks)
        except RelayError as error:
            # FaceID busy or unreachable: the entry stays, the next sweep tries again.
            logger.warning("sweep could not finalize a verification", extra={"code": error.code})
            continue
        except ValueError:
            # A record that does not read (pydantic's errors are ValueErrors): one item, not the whole sweep.
            logger.exception("sweep could not read a verification's records", extra={"key": key})
            continue
        closed += outcome == "closed"
        pending += outcome == "pending"
    sent = retry_undelivered(storage, webhooks, now, has_time) if webhooks is not None else 0
    return SweepReport(closed=closed, still_pending=pending, webhooks_sent=sent)


def _look_at(
    key: str,
    now: datetime,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
    webhooks: WebhookReceiver | None,
) -> Literal["closed", "pending", "gone"]:
    """One due entry: "closed" (final, event recorded, entry gone), "pending" (looked at again later) or
    "gone" (a parallel sweep took it, or the session expired by its lifecycle rule)."""
    stored_entry = storage.read_json(key)
    entry = OpenVerification.model_validate(stored_entry) if stored_entry is not None else None
    stored_session = storage.read_json(session_key(entry.biz_token)) if entry is not None else None
    if entry is None or stored_session is None:
        storage.delete(key)
        return "gone"
    session = SessionRecord.model_validate(stored_session)
    final = finalize_verification(session, settings, storage, faceid, webhooks)
    if final is None:
        _look_again_later(key, entry, now, storage)
        return "pending"
    # Completes a webhook a finisher recorded the result for but did not get to publish (no-op otherwise).
    publish(final_event(session, final), storage, webhooks)
    storage.delete(key)
    return "closed"


def _look_again_later(key: str, entry: OpenVerification, now: datetime, storage: Bucket) -> None:
    """A new entry further on (create-once: a parallel sweep writes the same one), then the old one goes."""
    due_at = now + doubling_delay(RECHECK_DELAY, entry.checks, MAX_RECHECK_DELAY)
    later = OpenVerification(biz_token=entry.biz_token, due_at=due_at, checks=entry.checks + 1)
    storage.create_json(open_verification_key(due_at, entry.biz_token), later.model_dump(mode="json"))
    storage.delete(key)
