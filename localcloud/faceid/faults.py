"""The emulator's test-facing state: injected faults, scripted outcomes and the log of calls.

Tests set it through /_control/ (control.py) to provoke what the real service does only on bad days, and to
prove what a client did (for example that it did not fetch the same result twice)."""

import threading
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from localcloud.faceid.catalogue import ACTIONS

SUCCESS = "Success"
# Descriptions of the DetectReflectLivenessAndCompare results tests script most often
# (tencentcloud-sdk-python-intl-en faceid/v20180301/errorcodes.py).
RESULT_DESCRIPTIONS: Mapping[str, str] = {
    SUCCESS: "Success",
    "FailedOperation.LivessDetectFake": "Suspected spoofed recording.",
    "FailedOperation.LivessDetectFail": "Liveness detection failed.",
    "FailedOperation.LifePhotoDetectFake": "Real person comparison failed.",
    "FailedOperation.CompareLowSimilarity": "The similarity does not reach the pass threshold.",
}


class ControlBody(BaseModel):
    """A /_control/ request body: unknown fields and wrong types are refused (400)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    action: str

    @model_validator(mode="after")
    def _known_action(self) -> "ControlBody":
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        return self


class Fault(ControlBody):
    """How the next `count` calls of an action fail: an error reply, a non-200 status, a connection closed
    without reply, a truncated reply, and/or a delay first (alone, the call then proceeds)."""

    count: int = Field(1, ge=1)
    error_code: str | None = None
    message: str = "Injected fault."
    delay_seconds: float = Field(0.0, ge=0)
    http_status: int | None = Field(None, ge=100, le=599)
    drop_connection: bool = False
    truncate_body: bool = False

    @model_validator(mode="after")
    def _has_an_effect(self) -> "Fault":
        if self.http_status == 200:
            raise ValueError("http_status must be an HTTP status other than 200")
        effects = (
            self.error_code,
            self.http_status,
            self.drop_connection or None,
            self.truncate_body or None,
        )
        if all(effect is None for effect in effects) and self.delay_seconds == 0:
            raise ValueError("a fault needs error_code, http_status, drop_connection or delay_seconds")
        return self


class Outcome(ControlBody):
    """A scripted DetectReflectLivenessAndCompare result; `sim` None keeps the usual similarity."""

    action: Literal["DetectReflectLivenessAndCompare"]
    result: str = SUCCESS
    sim: float | None = None
    description: str | None = None

    def similarity(self) -> float | None:
        """The scripted similarity: a failed result without one scores 0."""
        return 0.0 if self.sim is None and self.result != SUCCESS else self.sim

    def text(self) -> str:
        return self.description or RESULT_DESCRIPTIONS.get(self.result, self.result)


@dataclass(frozen=True)
class CallRecord:
    action: str
    region: str
    error_code: str | None


class FaultInjector:
    """Thread-safe queues of faults and scripted outcomes per action, and the log of every call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: defaultdict[str, deque[Fault]] = defaultdict(deque)
        self._outcomes: defaultdict[str, deque[Outcome]] = defaultdict(deque)
        self._calls: list[CallRecord] = []

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults[fault.action].extend([fault] * fault.count)

    def take_fault(self, action: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(action)
            return queue.popleft() if queue else None

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def add_outcome(self, outcome: Outcome) -> None:
        with self._lock:
            self._outcomes[outcome.action].append(outcome)

    def take_outcome(self, action: str) -> Outcome | None:
        with self._lock:
            queue = self._outcomes.get(action)
            return queue.popleft() if queue else None

    def record(self, action: str, region: str, error_code: str | None) -> None:
        with self._lock:
            self._calls.append(CallRecord(action, region, error_code))

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(call) for call in self._calls]

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._outcomes.clear()
            self._calls.clear()
