"""Progress while the gate runs: the foundations as soon as they are probed, then each
checklist item the moment it settles (its last selected test has finished, and those of the
items it needs), with its status and the seconds its tests took. Printed through the terminal
reporter, so ``-q`` shows it too.

Under xdist the controller collects nothing itself: each worker hands over its per-item test
counts with its reports (``WorkerCounts``), and the controller's ``Progress`` counts the
finished tests from the reports it receives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import pytest

from postmigration.checklist import CHECKLIST, ITEMS, item_in
from postmigration.foundations import FOUNDATION_TITLES, Foundation, stopped_by
from postmigration.report import status_label
from postmigration.verdict import Verdict

__all__ = ["Progress", "WorkerCounts", "tests_per_item"]

_COUNTS = "pm_collected"  # the report attribute carrying a worker's per-item test counts
_MARKUP = {"passed": "green", "failed": "red"}  # any other status is yellow
_REASON_WIDTH = 120


def tests_per_item(nodes: Iterable[pytest.Item]) -> dict[str, int]:
    """How many selected tests prove each checklist item."""
    counts = Counter(item_in(node.user_properties) for node in nodes)
    counts.pop(None, None)
    return {str(item_id): n for item_id, n in counts.items()}


class WorkerCounts:
    """On an xdist worker: send the per-item test counts along with each report."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Count this worker's selected tests per item (every worker collects the same)."""
        self.counts = tests_per_item(session.items)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Attach the counts before xdist serialises the report for the controller."""
        setattr(report, _COUNTS, self.counts)


class _RunState(Protocol):
    foundations: dict[str, Foundation]


class Progress:
    """On the controller: one terminal line per foundation at session start, then one per
    item as it settles, e.g. ``[gate] buckets  failed  0.41s  bucket "avatars" is not public``.

    ``decide`` is the gate's own verdict over the reports so far, so a line says what the
    final report will say about that item.
    """

    def __init__(self, state: _RunState, decide: Callable[[pytest.Session], Verdict]) -> None:
        self.state = state
        self.decide = decide
        self.session: pytest.Session | None = None
        self.counts: dict[str, int] | None = None
        self.finished: Counter[str] = Counter()

    def _write(self, text: str, status: str) -> None:
        config = self.session.config if self.session is not None else None
        terminal = config.pluginmanager.get_plugin("terminalreporter") if config else None
        if terminal is None:
            return
        # -q and xdist print progress dots with no line break: start our line on a fresh one.
        if terminal._tw.width_of_current_line:
            terminal.write("\n")
            terminal.currentfspath = None
        terminal.write_line(f"[gate] {text}", **{_MARKUP.get(status, "yellow"): True})

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionstart(self, session: pytest.Session) -> Any:
        """After the foundations are probed (and the header shown), say how each one is."""
        result = yield
        self.session = session
        if not session.config.option.collectonly:
            for foundation in self.state.foundations.values():
                if not foundation.ok:
                    line, outcome = f"DOWN  {foundation.detail}", "blocked"
                elif foundation.problem:
                    line, outcome = f"ok  but {foundation.problem}", "failed"
                else:
                    line, outcome = "ok", "passed"
                self._write(f"foundation {foundation.name:<11} {line}", outcome)
            stopped = stopped_by(self.state.foundations)
            if stopped is not None:
                self._write(
                    f"stopping early: {FOUNDATION_TITLES[stopped.name]}, every other item is not run"
                    " (but tls-dns)",
                    "blocked",
                )
        return result

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Count the selected tests per item (an xdist controller has none: see WorkerCounts)."""
        if session.items:
            self.counts = tests_per_item(session.items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count finished tests; when an item's last one is done, print the item's line."""
        if self.counts is None:
            self.counts = getattr(report, _COUNTS, None)
        item_id = item_in(report.user_properties)
        if report.when != "teardown" or item_id is None or self.session is None:
            return
        self.finished[item_id] += 1
        if self.counts is None:
            return
        # The item itself, and any item that needs its outcome (rollback-ready needs
        # rollback-dump's): each settles when its own tests and those of what it needs are done.
        waiting = [item_id, *(i.id for i in CHECKLIST if item_id in dict(i.needs))]
        for settled in [i for i in waiting if self._settled(i)]:
            self._print(self.session, settled)

    def _settled(self, item_id: str) -> bool:
        assert self.counts is not None
        if self.finished[item_id] != self.counts.get(item_id):
            return False
        return all(self.finished[n] >= self.counts.get(n, 0) for n, _ in ITEMS[item_id].needs)

    def _print(self, session: pytest.Session, item_id: str) -> None:
        result = next(r for r in self.decide(session).items if r.item.id == item_id)
        reason = "" if result.status == "passed" else result.reason
        if len(reason) > _REASON_WIDTH:
            reason = reason[: _REASON_WIDTH - 1] + "…"
        self._write(
            f"{item_id:<15} {status_label(result.status):<14} {result.duration_s:6.2f}s  {reason}".rstrip(),
            result.status,
        )
