"""What an xdist controller hands its workers once it has probed the target.

The controller starts its workers first and probes the foundations and captures the data
baseline while they import and collect, so the two start-ups overlap. The probes' results
reach the workers through a file the controller writes once (write, then rename). The
controller holds a lock beside it from before the workers start until the file is written;
each worker waits on that lock (no polling) before its first test. A controller that ends
first releases the lock too, and the worker, finding no file, stops.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "probed.json"
# The locks this process holds on its handoffs (the controller's), by file path.
_HELD: dict[Path, int] = {}


class ControllerGone(Exception):
    """The controller ended before it handed over what it probed."""


@dataclass(frozen=True)
class Handoff:
    """The controller's probes as the workers need them: the foundations (as dicts), the
    data baseline (its wire form), or the reason the controller stopped before either."""

    foundations: dict[str, dict[str, Any]]
    baseline: dict[str, Any] | None
    stopped: str | None = None


def new_handoff_path() -> Path:
    """A fresh file path in a private folder (mode 0700) for one run's handoff; this process
    holds its lock until it writes the file (or ends)."""
    path = Path(tempfile.mkdtemp(prefix="pm-handoff-")) / FILE_NAME
    fd = os.open(_lock_of(path), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    _HELD[path] = fd
    return path


def write_handoff(path: Path, handoff: Handoff) -> None:
    """Write `handoff` to `path` whole: a worker never reads half a file."""
    part = path.with_suffix(".part")
    part.write_text(
        json.dumps(
            {
                "foundations": handoff.foundations,
                "baseline": handoff.baseline,
                "stopped": handoff.stopped,
            }
        )
    )
    os.replace(part, path)
    _release(path)


def wait_for_handoff(path: Path) -> Handoff:
    """The handoff at `path`, once the controller wrote it: waits on the controller's lock.
    Raises ControllerGone when the lock came free without the file (the controller ended)."""
    try:
        fd = os.open(_lock_of(path), os.O_RDONLY)
    except FileNotFoundError:
        raise ControllerGone("the gate's controller ended and removed its handoff") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)
    if not path.exists():
        raise ControllerGone("the gate's controller ended before it handed over its probes")
    data = json.loads(path.read_text())
    return Handoff(data["foundations"], data["baseline"], data.get("stopped"))


def remove_handoff(path: Path) -> None:
    """Remove the handoff file, its lock, what the workers shared beside it (once_per_run)
    and its private folder, if still there."""
    _release(path)
    for leftover in (path, path.with_suffix(".part"), _lock_of(path)):
        leftover.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        for shared in path.parent.iterdir():
            shared.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _lock_of(path: Path) -> Path:
    return path.with_suffix(".lock")


def _release(path: Path) -> None:
    fd = _HELD.pop(path, None)
    if fd is not None:
        os.close(fd)  # closing the descriptor drops its lock
