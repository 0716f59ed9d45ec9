"""Per-action, per-SecretId request limits over a sliding one-second window (reference §1.1).

Windows use a monotonic clock, not the emulated one: limits are about real bursts of SDK calls, and
advancing the emulated clock to expire a token must not open or close a window."""

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping

from localcloud.faceid.errors import RequestLimitExceededError

WINDOW_SECONDS = 1.0


class RateLimiter:
    def __init__(self, limits: Mapping[str, int], monotonic: Callable[[], float] = time.monotonic) -> None:
        self._limits = dict(limits)
        self._monotonic = monotonic
        self._accepted: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def admit(self, action: str, secret_id: str) -> None:
        """Count one call, or raise RequestLimitExceededError; refused calls do not count."""
        limit = self._limits[action]
        now = self._monotonic()
        with self._lock:
            window = self._accepted[(action, secret_id)]
            while window and now - window[0] >= WINDOW_SECONDS:
                window.popleft()
            if len(window) >= limit:
                raise RequestLimitExceededError(
                    f"Your current request times equals to `{len(window) + 1}` in a second, which exceeds "
                    f"the frequency limit `{limit}` for a second. Please reduce the frequency of calls."
                )
            window.append(now)

    def reset(self) -> None:
        with self._lock:
            self._accepted.clear()
