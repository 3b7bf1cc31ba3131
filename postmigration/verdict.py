"""From test reports to item statuses and the GO / NO-GO verdict.

Rules (issue 3, section 5, and issue 9):
- GO only when every blocker item has at least one test, every test of the suite that proves
  it ran, and each passed (or found the item not applicable), and no test file failed to
  collect.
- A skip, xfail, error, missing configuration, an item with no tests, or an item some of
  whose tests were left out of the run (``-k``, ``-m``, ``--ignore``, a narrower path, a file
  that failed to import) is ``not_verified``.
- An item whose foundation is down is ``blocked``, naming the foundation.
- An item whose tests all found it not applicable (``postmigration.applicability``) is
  ``not_applicable``: it neither passes nor holds the gate.
- An item that needs another item's outcome (``Item.needs``: rollback-ready needs
  rollback-dump's restore) passes only when that one passed too, or was waived (its reason
  then says what was not proved); else it takes its status (failed, blocked, or not
  verified), naming it.
- Warnings are reported but never hold the gate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from postmigration.checklist import CHECKLIST, Item, Severity

__all__ = ["ItemResult", "TestResult", "Verdict", "decide", "test_result_from_reports"]

Status = Literal["passed", "failed", "not_verified", "blocked", "not_applicable"]
Outcome = Literal[
    "passed", "failed", "error", "skipped", "xfailed", "xpassed", "blocked", "not_applicable"
]
# Statuses that let a blocker through: not applicable proves nothing, but it is no fault either.
CLEARS_THE_GATE = ("passed", "not_applicable")


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
        elif getattr(setup, "pm_not_applicable", None):
            outcome, text = "not_applicable", str(setup.pm_not_applicable)
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
    elif call.skipped and getattr(call, "pm_not_applicable", None):
        outcome, text = "not_applicable", str(call.pm_not_applicable)
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


def _status(tests: list[TestResult], total: int | None) -> tuple[Status, str]:
    """The item's status from the tests that ran; ``total`` counts the suite's tests of the
    item, run or not (None: unknown, the tests that ran are all there is)."""
    if not tests:
        if total == 1:
            return "not_verified", "its test did not run"
        if total:
            return "not_verified", f"none of its {total} tests ran"
        return "not_verified", "no test covers this item"
    failed = [t for t in tests if t.outcome == "failed"]
    if failed:
        more = len(failed) - 1
        extra = f" (+{_plural(more, 'more failing test')})" if more else ""
        return "failed", (failed[0].message or "a test failed") + extra
    blocked = [t for t in tests if t.outcome == "blocked"]
    if blocked:
        return "blocked", blocked[0].message
    if total is not None and len(tests) < total:
        return "not_verified", f"{len(tests)} of {total} tests ran"
    unproven = [t for t in tests if t.outcome not in CLEARS_THE_GATE]
    if unproven:
        first = unproven[0]
        return "not_verified", first.message or first.outcome
    inapplicable = [t for t in tests if t.outcome == "not_applicable"]
    if len(inapplicable) == len(tests):
        return "not_applicable", inapplicable[0].message or "not applicable"
    passed = len(tests) - len(inapplicable)
    also = f", {len(inapplicable)} not applicable" if inapplicable else ""
    return "passed", f"{_plural(passed, 'test')} passed{also}"


def _with_needs(
    item: Item,
    status: Status,
    reason: str,
    own: Mapping[str, tuple[Status, str, Any]],
    severities: Mapping[str, Severity],
) -> tuple[Status, str]:
    """The item's status with the outcome of the items it needs folded in: it passes only when
    its own tests passed and each needed item passed too (a needed item not applicable proves
    nothing), or the team waived the needed item (a warning, named in the reason: the risk was
    accepted there); its own failure, if any, is named first."""
    if status != "passed":
        return status, reason
    for needed_id, what in item.needs:
        needed, why, _ = own[needed_id]
        if needed == "passed":
            reason += f"; {what} ({needed_id} passed)"
            continue
        if severities.get(needed_id) == "warning":
            reason += f"; not proved that {what} ({needed_id} waived: {why})"
            continue
        folded: Status = needed if needed in ("failed", "blocked") else "not_verified"
        word = needed.replace("_", " ")
        return folded, f"not proved that {what}: {needed_id} {word}: {why}"
    return status, reason


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
    suite: Mapping[str, str] | None = None,
    collect_errors: Sequence[str] = (),
    out_of_phase: Mapping[str, str] | None = None,
) -> Verdict:
    """Apply the verdict rules to the tests of this run.

    ``suite`` maps the id of every test of the suite to its item, whether this run selected it
    or not (see ``postmigration.suite``); ``collect_errors`` names the files that failed to
    collect; ``out_of_phase`` maps the items that mean nothing in this run's phase to the reason
    (they are not applicable, whatever their tests did).
    """
    by_item: dict[str, list[TestResult]] = {item.id: [] for item in CHECKLIST}
    for test in tests:
        by_item.setdefault(test.item_id, []).append(test)
    own: dict[str, tuple[Status, str, list[TestResult]]] = {}
    for item in CHECKLIST:
        item_tests = sorted(by_item[item.id], key=lambda t: (t.location, t.nodeid))
        total = None
        if suite is not None:
            known = {nodeid for nodeid, item_id in suite.items() if item_id == item.id}
            total = len(known | {t.nodeid for t in item_tests})
        own[item.id] = (*_status(item_tests, total), item_tests)
    results: list[ItemResult] = []
    for item in CHECKLIST:
        status, reason, item_tests = own[item.id]
        status, reason = _with_needs(item, status, reason, own, severities)
        if out_of_phase and item.id in out_of_phase:
            status, reason = "not_applicable", out_of_phase[item.id]
        results.append(ItemResult(item, severities[item.id], status, reason, item_tests))
    inapplicable = [r.item.id for r in results if r.status == "not_applicable"]
    not_applicable = (
        f"{len(inapplicable)} not applicable ({', '.join(inapplicable)})" if inapplicable else ""
    )
    holding = [r for r in results if r.severity == "blocker" and r.status not in CLEARS_THE_GATE]
    if not holding and not collect_errors:
        warnings = [r for r in results if r.status not in CLEARS_THE_GATE]
        reason = "every blocker item passed"
        if not_applicable:
            reason += f", except {not_applicable}"
        if warnings:
            reason += f"; {_plural(len(warnings), 'warning')} to review"
        return Verdict(True, reason, results)
    parts = []
    if collect_errors:
        files = _plural(len(collect_errors), "test file")
        parts.append(f"{files} failed to collect ({', '.join(collect_errors)})")
    for status in ("failed", "blocked", "not_verified"):
        ids = [r.item.id for r in holding if r.status == status]
        if ids:
            word = status.replace("_", " ")
            parts.append(f"{_plural(len(ids), 'blocker')} {word} ({', '.join(ids)})")
    if not_applicable:
        parts.append(not_applicable)
    return Verdict(False, "; ".join(parts), results)
