"""The controller's probes reach its xdist workers through one file, whole, once written."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from postmigration.handoff import (
    ControllerGone,
    Handoff,
    new_handoff_path,
    remove_handoff,
    wait_for_handoff,
    write_handoff,
)

PROBED = Handoff(
    foundations={"auth": {"name": "auth", "ok": False, "detail": "connection refused"}},
    baseline={"tables": {"public.goals": [3, "-9223372036854775807"]}},
)


def test_a_worker_waits_until_the_controller_has_written_it() -> None:
    """The wait ends with exactly what was written, however late it is written."""
    path = new_handoff_path()
    writer = threading.Timer(0.2, write_handoff, (path, PROBED))
    writer.start()
    started = time.monotonic()
    got = wait_for_handoff(path)
    assert time.monotonic() - started >= 0.15, "returned before the file was written"
    assert got == PROBED
    remove_handoff(path)
    assert not path.parent.exists(), "the private folder stayed"


def test_the_file_is_never_seen_half_written() -> None:
    """Written under another name, then renamed: no partial file under the final name."""
    path = new_handoff_path()
    write_handoff(path, PROBED)
    assert sorted(p.name for p in path.parent.iterdir()) == ["probed.json", "probed.lock"]
    remove_handoff(path)


def test_a_stop_reaches_the_workers() -> None:
    """A controller that failed while probing says so, instead of leaving workers waiting."""
    path = new_handoff_path()
    write_handoff(path, Handoff({}, None, stopped="the controller failed while probing: boom"))
    assert wait_for_handoff(path).stopped == "the controller failed while probing: boom"
    remove_handoff(path)


def test_a_worker_stops_waiting_when_the_controller_is_gone() -> None:
    """A controller that ended before writing frees its lock: the worker is told, not left
    waiting for ever."""
    make = "from postmigration.handoff import new_handoff_path; print(new_handoff_path())"
    ended = subprocess.run([sys.executable, "-c", make], capture_output=True, text=True, check=True)
    path = Path(ended.stdout.strip())
    with pytest.raises(ControllerGone, match="controller ended before it handed over"):
        wait_for_handoff(path)
    remove_handoff(path)
