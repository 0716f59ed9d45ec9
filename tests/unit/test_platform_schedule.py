"""The sweeper's timer events, SCF's and EventBridge's (events/lifecycle_sweeper.*.json), read as the time the
run was scheduled for; anything else is refused."""

from datetime import datetime, timezone
from typing import Any

import pytest

from faceid_relay.platform.schedule import NotATimerEventError, scheduled_time

SCHEDULED = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("name", ["lifecycle_sweeper.scf-timer", "lifecycle_sweeper.eventbridge-schedule"])
def test_each_platforms_timer_event_gives_the_scheduled_time(name: str, load_event: Any) -> None:
    assert scheduled_time(load_event(name)) == SCHEDULED


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"Type": "Timer"},
        {"Type": "Timer", "Time": "2026-11-23T12:00:00"},  # no zone: which minute is it?
        {"source": "aws.s3", "detail-type": "Object Created", "time": "2026-11-23T12:00:00Z"},
        {"httpMethod": "GET", "path": "/callback"},
        ["Timer"],
    ],
)
def test_anything_but_a_timer_event_is_refused(event: Any) -> None:
    with pytest.raises(NotATimerEventError):
        scheduled_time(event)
