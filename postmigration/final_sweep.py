"""Under xdist, the controller's sweep of the run's tag once every worker is done.

Each worker removes its own registered rows and the audit entries about them, but not what
else carries the run id (another worker may still be writing it): the controller does that
once the last worker is down. It is a handful of round trips to a target that may be far
away, so it is kept off the end of the run where it can be:

- while the tests run, a background thread loads supabase-py, makes the service client and
  looks up where the run's objects can be (the accounts' folders). It waits a few seconds
  first: loading supabase-py is most of a second of CPU, which would otherwise compete with
  the workers' own start (their imports, collection and first page loads);
- when every test the workers collected has reported its call (or a setup that failed or
  skipped), no test writes anything more: the sweep starts in that thread, beside the
  workers' teardowns, which only delete what they registered and put back what they changed
  (deleting what is already gone is a no-op, and a delete refused while the other side has
  not yet removed a row referencing it goes in a later pass: see delete_in_passes). When that
  moment is never seen (an interrupted run, a crashed worker), it starts when the last worker
  reports it is done;
- before the verdict is written, the controller waits for it, so that the report names
  whatever it could not remove. After an interrupted or crashed run, it runs then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from postmigration.cleanup import error_text, report_left_behind, storage_places, sweep_own_run
from postmigration.clients import supabase_client
from postmigration.session import RunConfig

__all__ = [
    "FinalSweep",
    "finish_final_sweep",
    "start_final_sweep",
]

_FINAL_SWEEP = pytest.StashKey["FinalSweep"]()
# How long the preparation waits, unless the sweep is due sooner: the workers have started
# and run their first tests by then.
PREPARE_AFTER_S = 5.0


class FinalSweep:
    """The xdist controller's end-of-run sweep of `run`'s tag (see the module's text)."""

    def __init__(self, run: RunConfig) -> None:
        self._run = run
        self._due = threading.Event()
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pm-final-sweep")
        self._prepared: Future[tuple[Any, dict[str, list[str]]]] = self._thread.submit(
            self._prepare
        )
        self._sweep: Future[list[str]] | None = None
        self._not_yet_run: set[str] | None = None

    def _prepare(self) -> tuple[Any, dict[str, list[str]]]:
        self._due.wait(PREPARE_AFTER_S)
        run = self._run
        service = supabase_client(run.target, run.target.server_key)
        return service, storage_places(service, run.accounts, run.app_profile)

    def _swept(self) -> list[str]:
        run = self._run
        try:
            service, storage = self._prepared.result()
            return sweep_own_run(service, run.run_id, run.app_profile, storage=storage)
        except Exception as exc:  # the target went away: say so, never fail the verdict
            return [f"the final sweep of run {run.run_id} failed: {error_text(exc)}"]

    def expect(self, nodeids: Iterable[str]) -> None:
        """The tests a worker collected (every worker collects the same): the sweep may start
        once each has run."""
        if self._not_yet_run is None:
            self._not_yet_run = set(nodeids)

    def ran(self, report: pytest.TestReport) -> None:
        """A test report reached the controller: once every expected test has reported its
        last phase that may write (the call; a setup that failed or skipped, which has none),
        the sweep starts. A call to be run again (a rerun plugin's ``rerun``) does not count."""
        if self._not_yet_run is None or report.outcome not in ("passed", "failed", "skipped"):
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._not_yet_run.discard(report.nodeid)
            if not self._not_yet_run:
                self.start()

    @property
    def started(self) -> bool:
        """Whether the sweep has started."""
        return self._sweep is not None

    def start(self) -> None:
        """Start the sweep (once): no test writes to the target any more (every test has
        run, or every worker is down)."""
        self._due.set()
        if self._sweep is None:
            self._sweep = self._thread.submit(self._swept)

    def finish(self) -> list[str]:
        """Wait for the sweep (starting it now if no worker said it was done) and return what
        it could not remove, one line each."""
        self.start()
        assert self._sweep is not None
        try:
            return self._sweep.result()
        finally:
            self._thread.shutdown(wait=False)


def _is_xdist_controller(config: pytest.Config) -> bool:
    """Whether this process is the controller of an xdist run (it runs no test itself)."""
    return (
        not hasattr(config, "workerinput")
        and config.pluginmanager.getplugin("dsession") is not None
    )


def start_final_sweep(config: pytest.Config, run: RunConfig) -> FinalSweep | None:
    """On an xdist controller, start preparing this session's final sweep (returned)."""
    if not _is_xdist_controller(config):
        return None
    sweep = config.stash[_FINAL_SWEEP] = FinalSweep(run)
    return sweep


def finish_final_sweep(config: pytest.Config) -> None:
    """Wait for the final sweep, if any, and keep what it could not remove for the report."""
    sweep = config.stash.get(_FINAL_SWEEP, None)
    if sweep is not None:
        del config.stash[_FINAL_SWEEP]
        report_left_behind(config, sweep.finish())
