"""A run stopped from outside (a CI timeout or cancel, `docker stop`, `kill`) still cleans up.

pytest turns Ctrl-C (SIGINT) into KeyboardInterrupt and then tears every fixture down, the
run's cleanup included; SIGTERM, what CI systems and container runtimes send, would end the
process on the spot and leave the run's rows, objects and restores on the target. While a run
is going, SIGTERM is handled as Ctrl-C is.

Playwright's sync API runs its event loop in a greenlet of its own, in the main thread, so a
signal often lands inside that loop, in the middle of the task that reads the driver's
messages. Raised there, the interrupt kills that task, the connection to the browser with it,
and every browser fixture's teardown then fails ("Playwright connection closed"), turning an
interrupted run (exit 2) into a failed one (exit 1). The interrupt is raised in the run's own
greenlet instead, where the test waits for the call; the loop is left as it was and carries on
when the teardown makes its next call.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

__all__ = ["stop_gracefully_on_sigterm", "restore_sigterm"]

_SAVED: list[Any] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    stop = KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")
    waiting = _greenlet_of_the_run()
    if waiting is not None:
        waiting.throw(stop)  # back here only when the teardown resumes the loop
        return
    raise stop


def _greenlet_of_the_run() -> Any:
    """The main greenlet when the signal landed in another one (Playwright's loop or one of
    its listeners), else None."""
    try:
        import greenlet
    except ImportError:
        return None
    current = greenlet.getcurrent()
    if current.parent is None:
        return None
    while current.parent is not None:
        current = current.parent
    return current


def stop_gracefully_on_sigterm() -> None:
    """From now on, SIGTERM interrupts the run as Ctrl-C does (so its cleanup runs); only in
    the main thread, where Python delivers signals."""
    if threading.current_thread() is not threading.main_thread() or _SAVED:
        return
    _SAVED.append(signal.signal(signal.SIGTERM, _interrupt))


def restore_sigterm() -> None:
    """Put back the SIGTERM handling there was before the run."""
    if _SAVED:
        signal.signal(signal.SIGTERM, _SAVED.pop())
