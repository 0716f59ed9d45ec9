"""The test-facing state of the emulator: injected faults, scripted outcomes and the log of calls.

Tests drive it through /_control/ to provoke what the real service does only on bad days, and to prove
what a client did (for example that it did not fetch the same result twice)."""

import threading
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

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


class ControlRequestError(ValueError):
    """A malformed /_control/ request (answered 400)."""


@dataclass(frozen=True)
class Fault:
    """How the next call of an action fails: an error reply, a non-200 status, a connection closed
    without reply, a truncated reply, and/or a delay first (alone, the call then proceeds)."""

    error_code: str | None = None
    message: str = "Injected fault."
    delay_seconds: float = 0.0
    http_status: int | None = None
    drop_connection: bool = False
    truncate_body: bool = False


@dataclass(frozen=True)
class Outcome:
    """A scripted DetectReflectLivenessAndCompare result; `sim` None keeps the usual similarity."""

    result: str
    sim: float | None
    description: str


@dataclass(frozen=True)
class CallRecord:
    action: str
    region: str
    error_code: str | None


class Control:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: defaultdict[str, deque[Fault]] = defaultdict(deque)
        self._outcomes: defaultdict[str, deque[Outcome]] = defaultdict(deque)
        self._calls: list[CallRecord] = []

    def add_fault(self, spec: Mapping[str, Any]) -> None:
        action = _known_action(spec)
        count = _integer(spec, "count", default=1)
        fault = Fault(
            error_code=_optional_str(spec, "error_code"),
            message=_optional_str(spec, "message") or Fault.message,
            delay_seconds=_number(spec, "delay_seconds", default=0.0),
            http_status=_optional_status(spec),
            drop_connection=spec.get("drop_connection") is True,
            truncate_body=spec.get("truncate_body") is True,
        )
        if count < 1 or fault.delay_seconds < 0:
            raise ControlRequestError("count must be >= 1 and delay_seconds >= 0")
        if fault == Fault(message=fault.message):
            raise ControlRequestError(
                "a fault needs error_code, http_status, drop_connection or delay_seconds"
            )
        with self._lock:
            self._faults[action].extend([fault] * count)

    def take_fault(self, action: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(action)
            return queue.popleft() if queue else None

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def add_outcome(self, spec: Mapping[str, Any]) -> None:
        action = _known_action(spec)
        if action != "DetectReflectLivenessAndCompare":
            raise ControlRequestError("only DetectReflectLivenessAndCompare outcomes can be scripted")
        result = _optional_str(spec, "result") or SUCCESS
        sim = None if spec.get("sim") is None and result == SUCCESS else _number(spec, "sim", default=0.0)
        description = _optional_str(spec, "description") or RESULT_DESCRIPTIONS.get(result, result)
        outcome = Outcome(result, sim, description)
        with self._lock:
            self._outcomes[action].append(outcome)

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


def _known_action(spec: Mapping[str, Any]) -> str:
    action = spec.get("action")
    if action not in ACTIONS:
        raise ControlRequestError(f"action must be one of {', '.join(ACTIONS)}")
    return str(action)


def _optional_str(spec: Mapping[str, Any], name: str) -> str | None:
    value = spec.get(name)
    if value is not None and not isinstance(value, str):
        raise ControlRequestError(f"{name} must be a string")
    return value


def _number(spec: Mapping[str, Any], name: str, default: float) -> float:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlRequestError(f"{name} must be a number")
    return float(value)


def _integer(spec: Mapping[str, Any], name: str, default: int) -> int:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlRequestError(f"{name} must be an integer")
    return value


def _optional_status(spec: Mapping[str, Any]) -> int | None:
    status = spec.get("http_status")
    if status is None:
        return None
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599 or status == 200:
        raise ControlRequestError("http_status must be an HTTP status other than 200")
    return status
