"""Reading a provider's API without taking the app's share of its rate limit.

Resend limits a team to N requests per second (2 on the default plan), sends and reads alike,
across every API key of the team. The suite reads with the key the app sends with, often while
the app (or production's users) sends: a read that takes the last request of a second makes
the app's invite the one refused with 429. So every process of the run spaces its reads by
one second / (N - 1), N as the last answer's ``ratelimit-limit`` said, and so always leaves
one request of each second to the app. The spacing is kept in a file under the temporary
directory, named by a hash of the API's URL and key, and taken under a lock: xdist's workers
and a second run on the same machine queue behind each other (where the file cannot be made,
each process spaces its own reads only).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

__all__ = ["ReadPacer", "retry_after_s"]

# Each read waits this long per request the limit allows beyond the one left to the app: a
# second, and a little more for the requests' own spread on the way there.
_SECOND = 1.05
# A 429 that says nothing about when to come back: Resend's windows are a second long.
_DEFAULT_RETRY_S = 1.0
_MAX_RETRY_S = 10.0


def retry_after_s(headers: Mapping[str, str]) -> float:
    """How long a 429's answer asks to wait: `retry-after`, else `ratelimit-reset` (whole
    seconds), else a second; never more than 10 s."""
    for name in ("retry-after", "ratelimit-reset"):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            return min(max(float(headers[name]), 0.0), _MAX_RETRY_S)
    return _DEFAULT_RETRY_S


def _spacing_s(headers: Mapping[str, str]) -> float | None:
    """The spacing that leaves the app one request a second, from `ratelimit-limit`; None
    when the answer does not say (no limit known)."""
    try:
        limit = int(headers["ratelimit-limit"])
    except (KeyError, TypeError, ValueError):
        return None
    return _SECOND / max(limit - 1, 1)


class ReadPacer:
    """The run's reads of one API (its URL and key), spaced as its rate limit asks."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        folder: Path | None = None,
        clock: Callable[[], float] = time.time,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        digest = hashlib.sha256(f"{api_url}\n{api_key}".encode()).hexdigest()[:16]
        self.path = (folder or Path(tempfile.gettempdir())) / f"postmigration-reads-{digest}"
        self._clock = clock
        self._pause = pause
        self._alone: dict[str, float] = {}  # when the file cannot be used: this process only

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, float]]:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield self._alone
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                state = json.loads(os.read(fd, 4096) or b"{}")
            except ValueError:
                state = {}
            if not isinstance(state, dict):
                state = {}
            yield state
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, json.dumps(state).encode())
        finally:
            os.close(fd)  # closing releases the lock

    def before_read(self) -> float:
        """Wait until this read keeps the spacing the last answer asked for (none before any
        answer said a limit); the seconds waited."""
        with self._locked() as state:
            due = float(state.get("last", 0.0)) + float(state.get("spacing", 0.0))
            waited = max(due - self._clock(), 0.0)
            if waited:
                self._pause(waited)
            state["last"] = self._clock()
        return waited

    def wait_out(self, headers: Mapping[str, str]) -> float:
        """Wait as a 429's answer asks (see `retry_after_s`); the seconds waited."""
        waited = retry_after_s(headers)
        self._pause(waited)
        return waited

    def after_answer(self, headers: Mapping[str, str]) -> None:
        """Learn the spacing from an answer's `ratelimit-limit` (none when it has none)."""
        spacing = _spacing_s(headers)
        with self._locked() as state:
            state["spacing"] = spacing or 0.0
