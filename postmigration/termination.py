"""A run stopped from outside (a CI timeout or cancel, `docker stop`, `kill`) still cleans up.

pytest turns Ctrl-C (SIGINT) into KeyboardInterrupt and then tears every fixture down, the
run's cleanup included; SIGTERM, what CI systems and container runtimes send, would end the
process on the spot and leave the run's rows, objects and restores on the target. While a run
is going, SIGTERM is handled as Ctrl-C is.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

__all__ = ["stop_gracefully_on_sigterm", "restore_sigterm"]

_SAVED: list[Any] = []


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")


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
