"""Resend's API rate limit: N requests per second per team, whatever the key or the route.

Resend counts a team's requests (sends and reads alike) in one-second windows and refuses the
one over the limit with 429 `rate_limit_exceeded`. Every answer carries the IETF draft's
headers: `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (whole seconds until
the window resets), and a refused one also `retry-after`. The default limit is 2 per second.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["RESEND_DEFAULT_LIMIT", "RequestsPerSecond"]

RESEND_DEFAULT_LIMIT = 2


class RequestsPerSecond:
    """A team's request budget: `limit` requests in each one-second window."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._window = -1
        self._used = 0
        self._lock = threading.Lock()

    def take(self) -> tuple[bool, dict[str, str]]:
        """Count one request: whether it is within the limit, and the headers of its answer."""
        with self._lock:
            now = self._clock()
            window = math.floor(now)
            if window != self._window:
                self._window, self._used = window, 0
            allowed = self._used < self.limit
            if allowed:
                self._used += 1
            # A window is a second long: in whole seconds, it always resets within 1.
            headers = {
                "ratelimit-limit": str(self.limit),
                "ratelimit-remaining": str(self.limit - self._used),
                "ratelimit-reset": "1",
            }
        if not allowed:
            headers["retry-after"] = headers["ratelimit-reset"]
        return allowed, headers
