"""The detection matrix's own logic, without stacks: which faults a shard runs, bad input as one
line, what counts as a detection, a clean GO and a flaky test."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmigration.checklist import ITEMS
from selftests.gate.conftest import NOT_APPLICABLE_LOCALLY, SuiteRun
from selftests.gate.test_verdicts import FAULTS
from selftests.matrix import FlakeRun, chosen_faults, flaky_tests, judge_clean, judge_fault, main

OLD = "http://127.0.0.1:5001"


def _run(
    statuses: dict[str, str], verdict: str, code: int, reasons: dict[str, str], output: str = ""
) -> SuiteRun:
    items = [
        {"id": i, "status": statuses.get(i, "passed"), "reason": reasons.get(i, "ok"), "tests": []}
        for i in ITEMS
    ]
    summary = {"verdict": verdict, "items": items}
    return SuiteRun(code, output, summary, Path("/nonexistent"), 1.0)


def test_the_shards_split_the_catalogue_without_overlap() -> None:
    """Shard 1/2 and 2/2 together run every fault once."""
    first, second = chosen_faults(None, (1, 2)), chosen_faults(None, (2, 2))
    assert sorted(first + second) == sorted(FAULTS) and not set(first) & set(second)


def test_an_unknown_fault_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    """`--faults nope`: exit 2, one line naming it and listing every known fault."""
    assert main(["--faults", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown fault nope" in err[0], err
    assert all(name in err[0] for name in FAULTS), err


def test_a_fault_is_detected_only_by_its_item_with_its_words() -> None:
    """NO-GO with the declared item failed and every word (OLD_ORIGIN: old's URL) is a detection;
    another item failing, or a reason without the words, is not."""
    item, words = FAULTS["stale-webhook-url"]
    reason = " ".join(OLD if w == "OLD_ORIGIN" else w for w in words)
    detected = _run({item: "failed"}, "NO-GO", 1, {item: reason})
    assert judge_fault("stale-webhook-url", detected, OLD, []) == ""
    elsewhere = _run({"vault": "failed"}, "NO-GO", 1, {})
    assert "is passed, not failed" in judge_fault("stale-webhook-url", elsewhere, OLD, [])
    vague = _run({item: "failed"}, "NO-GO", 1, {item: "something is wrong"})
    assert "lacks" in judge_fault("stale-webhook-url", vague, OLD, [])


@pytest.mark.parametrize(
    "message",
    [
        "playwright._impl._errors.TimeoutError: Page.expect_response: Timeout 30000ms exceeded",
        "httpx.ReadTimeout: timed out",
        "assert 0 == 1",
    ],
)
def test_a_detection_in_raw_library_words_is_not_a_detection(message: str) -> None:
    """The declared item failed with its words, but another failed item's reason is a raw
    exception (or a bare assert) instead of what is broken: the matrix names it."""
    item, words = FAULTS["stale-webhook-url"]
    reason = " ".join(OLD if w == "OLD_ORIGIN" else w for w in words)
    other = "goal-invite" if item != "goal-invite" else "login"
    run = _run({item: "failed", other: "failed"}, "NO-GO", 1, {item: reason, other: message})
    said = judge_fault("stale-webhook-url", run, OLD, [])
    assert said.startswith(f"not in the user's words: {other}: {message[:40]}"), said
    worded = _run({item: "failed", other: "failed"}, "NO-GO", 1, {item: reason, other: "x"})
    assert judge_fault("stale-webhook-url", worded, OLD, []) == ""


def test_a_clean_go_allows_only_the_items_not_applicable_locally() -> None:
    """GO with only the local not-applicable items is clean; one more item not passed is not."""
    allowed = dict.fromkeys(NOT_APPLICABLE_LOCALLY, "not_applicable")
    tls = {"tls-dns": "http://127.0.0.1:1 is this machine (loopback) on plain http"}
    named = ", ".join(NOT_APPLICABLE_LOCALLY)
    line = f"= GO: every blocker item passed, except {len(allowed)} not applicable ({named}) ="
    assert judge_clean(_run(allowed, "GO", 0, tls, line), []) == ""
    more = _run({**allowed, "vault": "skipped"}, "GO", 0, tls, line)
    assert "items not passed" in judge_clean(more, [])
    assert "tls-dns does not say" in judge_clean(_run(allowed, "GO", 0, {}, line), [])
    assert "verdict line" in judge_clean(_run(allowed, "GO", 0, tls, "= GO ="), [])
    held = _run({**allowed, "data-parity": "failed"}, "NO-GO", 1, {"data-parity": "rows differ"})
    assert "data-parity failed: rows differ" in judge_clean(held, []), "a NO-GO names its items"


def test_a_test_whose_outcome_changed_between_runs_is_named() -> None:
    """A test that failed once and passed after is flaky, named with its outcomes run by run."""
    runs = [
        FlakeRun(1, "serial", 1.0, "", {"t::a": "passed", "t::b": "failed"}),
        FlakeRun(2, "-n 2", 1.0, "", {"t::a": "passed", "t::b": "passed"}),
    ]
    assert flaky_tests(runs) == ["t::b: failed, passed"]
    no_verdict = FlakeRun(3, "-n 2", 0.0, "the gate hung", {})
    assert flaky_tests([*runs, no_verdict]) == ["t::b: failed, passed"]
