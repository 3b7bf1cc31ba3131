"""When an xdist controller's final sweep starts: once every test the workers collected has
reported the last phase in which it may write (its call, or a setup that failed or skipped),
not before; a call that a rerun plugin will run again does not count."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from postmigration.final_sweep import FinalSweep


def _report(nodeid: str, when: str, outcome: str) -> Any:
    return SimpleNamespace(nodeid=nodeid, when=when, outcome=outcome, passed=outcome == "passed")


def _sweep() -> FinalSweep:
    # No target: started, the sweep fails at once and says so; only when it starts matters here.
    return FinalSweep(SimpleNamespace(target=None, run_id="pm-000000"))  # type: ignore[arg-type]


def test_the_sweep_starts_when_the_last_expected_test_has_run() -> None:
    sweep = _sweep()
    sweep.expect(["a", "b", "c"])
    sweep.expect(["a", "b", "c"])  # the second worker's collection changes nothing
    sweep.ran(_report("a", "setup", "passed"))
    sweep.ran(_report("a", "call", "passed"))
    sweep.ran(_report("b", "setup", "skipped"))  # skipped in setup: it has no call
    sweep.ran(_report("c", "call", "rerun"))  # to be run again: it may still write
    sweep.ran(_report("a", "teardown", "passed"))
    assert not sweep.started
    sweep.ran(_report("c", "call", "failed"))
    assert sweep.started
    assert sweep.finish()[0].startswith("the final sweep of run pm-000000 failed")


def test_without_the_workers_collection_only_the_end_starts_it() -> None:
    sweep = _sweep()
    sweep.ran(_report("a", "call", "passed"))
    assert not sweep.started
    sweep.start()
    assert sweep.started
    sweep.finish()
