"""`--objects N`: the playbook refuses, up front and in one line, objects that would not fit on
the disk; objects that fit are not refused. (What the objects are is proven by the benchmark
and the gate runs that use them; see benchmarks/parity_at_size.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reference.playbook import __main__ as cli
from reference.playbook.volume import BULK_BYTES_EACH, disk_problem


def test_too_many_objects_are_refused_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stat = os.statvfs(tmp_path)
    # Ten times what fits: other work freeing space meanwhile must not let the playbook start.
    too_many = 10 * (stat.f_bavail * stat.f_frsize // BULK_BYTES_EACH) + 1
    state = tmp_path / "state"
    assert cli.main(["--state", str(state), "--objects", str(too_many)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"playbook: --objects {too_many:,} needs about "), line
    assert "GiB is free" in line and str(tmp_path) in line, line
    assert not state.exists()


def test_objects_that_fit_are_not_refused(tmp_path: Path) -> None:
    assert disk_problem(tmp_path / "state", 0) is None
    assert disk_problem(tmp_path / "state", 1000) is None
