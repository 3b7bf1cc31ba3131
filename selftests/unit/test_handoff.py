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
    got = wait_for_handoff(path, controller_pid=_this_process())
    assert time.monotonic() - started >= 0.15, "returned before the file was written"
    assert got == PROBED
    remove_handoff(path)
    assert not path.parent.exists(), "the private folder stayed"


def test_the_file_is_never_seen_half_written() -> None:
    """Written under another name, then renamed: no partial file under the final name."""
    path = new_handoff_path()
    write_handoff(path, PROBED)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    remove_handoff(path)


def test_a_stop_reaches_the_workers() -> None:
    """A controller that failed while probing says so, instead of leaving workers waiting."""
    path = new_handoff_path()
    write_handoff(path, Handoff({}, None, stopped="the controller failed while probing: boom"))
    assert wait_for_handoff(path, _this_process()).stopped == (
        "the controller failed while probing: boom"
    )
    remove_handoff(path)


def test_a_worker_stops_waiting_when_the_controller_is_gone(tmp_path: Path) -> None:
    """No file and no controller: the worker is told, not left waiting for ever."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    with pytest.raises(ControllerGone, match=r"controller \(pid \d+\) ended"):
        wait_for_handoff(tmp_path / "probed.json", int(ended.stdout))


def _this_process() -> int:
    import os

    return os.getpid()
