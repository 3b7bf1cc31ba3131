"""What an xdist controller hands its workers once it has probed the target.

The controller starts its workers first and probes the foundations and captures the data
baseline while they import and collect, so the two start-ups overlap. The probes' results
reach the workers through a file the controller writes once (write, then rename): each worker
waits for it before its first test, and stops if the controller is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POLL_S = 0.02
FILE_NAME = "probed.json"


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
    """A fresh file path in a private folder (mode 0700) for one run's handoff."""
    return Path(tempfile.mkdtemp(prefix="pm-handoff-")) / FILE_NAME


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


def wait_for_handoff(path: Path, controller_pid: int) -> Handoff:
    """The handoff at `path`, once the controller wrote it. Raises ControllerGone when
    process `controller_pid` ended first (a worker must not wait for ever)."""
    while not path.exists():
        if not _alive(controller_pid):
            raise ControllerGone(f"the gate's controller (pid {controller_pid}) ended")
        time.sleep(POLL_S)
    data = json.loads(path.read_text())
    return Handoff(data["foundations"], data["baseline"], data.get("stopped"))


def remove_handoff(path: Path) -> None:
    """Remove the handoff file and its private folder, if still there."""
    for leftover in (path, path.with_suffix(".part")):
        leftover.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
