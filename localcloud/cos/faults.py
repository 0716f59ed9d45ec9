"""Injected faults: the next N matching requests fail with a chosen COS error or are delayed.

Lets tests prove that callers survive SlowDown, 5xx and slow answers without a flaky network."""

import threading

from pydantic import BaseModel, Field, model_validator


class Fault(BaseModel):
    """`POST /_control/faults` body. Without `status` the matching requests are only delayed."""

    method: str | None = None
    key_prefix: str = ""
    count: int = Field(default=1, ge=1)
    status: int | None = Field(default=None, ge=400, le=599)
    code: str = "InternalError"
    delay_seconds: float = Field(default=0.0, ge=0.0)

    @model_validator(mode="after")
    def needs_an_effect(self) -> "Fault":
        if self.status is None and self.delay_seconds == 0:
            raise ValueError("a fault needs a status, a delay_seconds, or both")
        return self

    def matches(self, method: str, key: str) -> bool:
        return (self.method is None or self.method.upper() == method) and key.startswith(self.key_prefix)


class FaultInjector:
    """Thread-safe list of pending faults; each matching request consumes one use of the first match."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, key: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, key):
                    if fault.count == 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = fault.model_copy(update={"count": fault.count - 1})
                    return fault
        return None
