"""Timer events, SCF's and Lambda's (EventBridge scheduled events, SAM `Schedule`), reduced to the one thing
the sweeper reads: the time the run was scheduled for, which it sweeps as of (a retried run stays on its
minute, and a test can run a sweep as of any moment)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError


class ScfTimerEvent(BaseModel):
    """SCF timer trigger: {"Type": "Timer", "TriggerName": ..., "Time": "2019-02-21T11:49:00Z",
    "Message": ...} (cloud.tencent.com/document/product/583/9708)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["Timer"] = Field(alias="Type")
    time: AwareDatetime = Field(alias="Time")


class ScheduledEvent(BaseModel):
    """EventBridge scheduled event: {"source": "aws.events", "detail-type": "Scheduled Event", "time": ...}
    (docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html)."""

    model_config = ConfigDict(extra="ignore")

    source: Literal["aws.events"]
    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")
    time: AwareDatetime


class NotATimerEventError(ValueError):
    """The event is neither an SCF timer event nor an EventBridge scheduled event."""


def scheduled_time(event: Any) -> datetime:
    """When this run was scheduled for (UTC-aware)."""
    for model in (ScfTimerEvent, ScheduledEvent):
        try:
            return model.model_validate(event).time
        except ValidationError:
            continue
    raise NotATimerEventError("expected an SCF timer event or an EventBridge scheduled event")
