"""From test reports to item statuses and the GO / NO-GO verdict.

Rules (issue 3, section 5):
- GO only when every blocker item has at least one test and all of its tests passed.
- A skip, xfail, error, missing configuration or an item with no tests is ``not_verified``.
- An item whose foundation is down is ``blocked``, naming the foundation.
- Warnings are reported but never hold the gate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from postmigration.checklist import CHECKLIST, Item, Severity

__all__ = ["ItemResult", "TestResult", "Verdict", "decide", "test_result_from_reports"]

Status = Literal["passed", "failed", "not_verified", "blocked"]
Outcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed", "blocked"]


@dataclass
class TestResult:
    """One test's outcome over its setup, call and teardown phases."""

    nodeid: str
    item_id: str
    outcome: Outcome
    duration_s: float
    message: str
    evidence: list[dict[str, Any]] = field(default_factory=list)
    # (file, line): an item's tests are listed, and its reason taken, in the order they are
    # written, so the most basic check (usually written first) names the cause.
    location: tuple[str, int] = ("", 0)

    def to_summary(self) -> dict[str, Any]:
        """The test's entry in summary.json."""
        return {
            "nodeid": self.nodeid,
            "outcome": self.outcome,
            "duration_s": round(self.duration_s, 3),
            "message": self.message,
        }


def test_result_from_reports(nodeid: str, item_id: str, phases: dict[str, Any]) -> TestResult:
    """Fold the setup/call/teardown reports of one test into one outcome and message."""
    duration = sum(float(getattr(rep, "duration", 0.0)) for rep in phases.values())
    evidence = [e for rep in phases.values() for e in getattr(rep, "pm_evidence", [])]

    def message(rep: Any) -> str:
        return str(getattr(rep, "pm_message", "") or "")

    setup, call, teardown = phases.get("setup"), phases.get("call"), phases.get("teardown")
    outcome: Outcome
    if setup is not None and setup.failed:
        outcome, text = "error", f"error in setup: {message(setup)}"
    elif setup is not None and setup.skipped:
        blocked = getattr(setup, "pm_blocked", None)
        if blocked:
            outcome, text = "blocked", str(blocked)
        elif hasattr(setup, "wasxfail"):
            outcome, text = "xfailed", f"xfail: {message(setup)}"
        else:
            outcome, text = "skipped", f"skipped: {message(setup)}"
    elif call is None:
        outcome, text = "error", "the test did not run"
    elif hasattr(call, "wasxfail"):
        if call.skipped:
            outcome, text = "xfailed", f"xfail: {message(call)}"
        elif call.failed:
            outcome, text = "failed", f"passed unexpectedly (strict xfail): {message(call)}"
        else:
            outcome, text = "xpassed", f"passed unexpectedly (xfail): {message(call)}"
    elif call.failed:
        outcome, text = "failed", message(call)
    elif call.skipped:
        outcome, text = "skipped", f"skipped: {message(call)}"
    else:
        outcome, text = "passed", ""
    if outcome == "passed" and teardown is not None and teardown.failed:
        outcome, text = "error", f"error in teardown: {message(teardown)}"
    where = next((getattr(rep, "location", None) for rep in phases.values()), None) or ("", 0, "")
    location = (str(where[0]), int(where[1] or 0))
    return TestResult(nodeid, item_id, outcome, duration, text, evidence, location)


@dataclass
class ItemResult:
    """A checklist item with its severity for this run, its status and its tests."""

    item: Item
    severity: Severity
    status: Status
    reason: str
    tests: list[TestResult]

    @property
    def duration_s(self) -> float:
        """Time spent in the item's tests."""
        return sum(t.duration_s for t in self.tests)

    def to_summary(self) -> dict[str, Any]:
        """The item's entry in summary.json."""
        return {
            "id": self.item.id,
            "title": self.item.title,
            "severity": self.severity,
            "status": self.status,
            "duration_s": round(self.duration_s, 3),
            "reason": self.reason,
            "tests": [t.to_summary() for t in self.tests],
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _status(tests: list[TestResult], collected: int | None) -> tuple[Status, str]:
    if not tests:
        if collected:
            return "not_verified", f"its {_plural(collected, 'test')} did not run"
        return "not_verified", "no test covers this item"
    failed = [t for t in tests if t.outcome == "failed"]
    if failed:
        more = len(failed) - 1
        extra = f" (+{_plural(more, 'more failing test')})" if more else ""
        return "failed", (failed[0].message or "a test failed") + extra
    blocked = [t for t in tests if t.outcome == "blocked"]
    if blocked:
        return "blocked", blocked[0].message
    unproven = [t for t in tests if t.outcome != "passed"]
    if unproven:
        first = unproven[0]
        return "not_verified", first.message or first.outcome
    return "passed", f"{_plural(len(tests), 'test')} passed"


@dataclass
class Verdict:
    """GO or NO-GO, with one line saying why, and every item's result."""

    go: bool
    reason: str
    items: list[ItemResult]

    @property
    def label(self) -> str:
        """``GO`` or ``NO-GO``."""
        return "GO" if self.go else "NO-GO"


def decide(
    tests: Iterable[TestResult],
    severities: dict[str, Severity],
    collected: dict[str, int] | None = None,
) -> Verdict:
    """Apply the verdict rules to the tests of this run."""
    by_item: dict[str, list[TestResult]] = {item.id: [] for item in CHECKLIST}
    for test in tests:
        by_item.setdefault(test.item_id, []).append(test)
    results: list[ItemResult] = []
    for item in CHECKLIST:
        item_tests = sorted(by_item[item.id], key=lambda t: (t.location, t.nodeid))
        count = None if collected is None else collected.get(item.id, 0)
        status, reason = _status(item_tests, count)
        results.append(ItemResult(item, severities[item.id], status, reason, item_tests))
    holding = [r for r in results if r.severity == "blocker" and r.status != "passed"]
    if not holding:
        warnings = [r for r in results if r.status != "passed"]
        reason = "every blocker item passed"
        if warnings:
            reason += f"; {_plural(len(warnings), 'warning')} to review"
        return Verdict(True, reason, results)
    parts = []
    for status in ("failed", "blocked", "not_verified"):
        ids = [r.item.id for r in holding if r.status == status]
        if ids:
            word = status.replace("_", " ")
            parts.append(f"{_plural(len(ids), 'blocker')} {word} ({', '.join(ids)})")
    return Verdict(False, "; ".join(parts), results)
