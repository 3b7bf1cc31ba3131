"""The heap is frozen while a gate run is unconfigured (pytest's last garbage collection then
skips what the run loaded) and thawed once every plugin is done (quick_exit.py)."""

from __future__ import annotations

import gc

import pytest

from selftests.core.conftest import FakeSupabase, passing_suite, run, write_config

RECORDER = """
import gc
from pathlib import Path

def pytest_unconfigure(config):
    Path("frozen-while-unconfigured").write_text(str(gc.get_freeze_count()))
"""


def test_the_heap_is_frozen_while_unconfigured_and_thawed_after(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    """pytest's unraisable-exception plugin collects the garbage as the run is unconfigured:
    by then the heap is frozen; a process that goes on after the run gets it back thawed."""
    write_config(pytester, fake_supabase.url)
    pytester.makeconftest(RECORDER)
    pytester.makepyfile(test_suite=passing_suite())
    assert gc.get_freeze_count() == 0
    result = run(pytester, "--target=new")
    assert result.ret == 0
    frozen = int((pytester.path / "frozen-while-unconfigured").read_text())
    assert frozen > 0, "the heap was not frozen while the run was unconfigured"
    assert gc.get_freeze_count() == 0, "the heap stayed frozen after the run"
