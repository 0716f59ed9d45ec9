"""A clock the emulators share, so tests can move time forward (token lifetimes, URL expiry)."""

import threading
import time


class Clock:
    """Wall-clock time plus an offset that tests advance through the emulators' control endpoints."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0
