"""The detection matrix's own logic, without stacks: which faults a shard runs, bad input as one
line, what counts as a detection, a clean GO and a flaky test."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from postmigration.checklist import ITEMS
from selftests.gate.conftest import NOT_APPLICABLE_LOCALLY, ROOT, SuiteRun
from selftests.gate.test_verdicts import FAULTS
from selftests.matrix import (
    SHARDS,
    FlakeRun,
    chosen_faults,
    flaky_tests,
    judge_clean,
    judge_fault,
    main,
    shard_runs,
)

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


def test_shards_sharing_a_folder_run_every_fault_once_and_end_together(tmp_path: Path) -> None:
    """Two shards taking turns run their own faults first; one that is done takes the other's
    not yet started from the end; together they run each fault exactly once."""
    names = [f"fault-{i}" for i in range(9)]
    first = shard_runs(names, (1, 2), tmp_path / "share")
    second = shard_runs(names, (2, 2), tmp_path / "share")
    ran: dict[str, list[str]] = {"first": [], "second": []}
    # The second shard is three times as slow: it runs one fault while the first runs three.
    for step in range(30):
        for shard, runs in (("first", first), ("second", second)):
            if shard == "first" or step % 3 == 0:
                ran[shard] += [name for name in itertools.islice(runs, 1)]
    assert sorted(ran["first"] + ran["second"]) == names, ran
    assert ran["first"][:5] == names[0::2], ran  # its own first, in order
    assert len(ran["first"]) > len(ran["second"]), ran  # it took over the slower one's work
    assert not set(ran["first"]) & set(ran["second"]), ran


def test_a_shard_without_a_share_runs_its_own_faults_only(tmp_path: Path) -> None:
    """No --share: shard 2/2 runs every second fault from the second, nothing else."""
    names = [f"fault-{i}" for i in range(5)]
    assert list(shard_runs(names, (2, 2), None)) == ["fault-1", "fault-3"]


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


def test_ci_runs_one_shard_file_per_worker() -> None:
    """scripts/test.sh starts as many workers as SHARDS, and each shard I of SHARDS has its file
    (test_matrix_shard_I.py) running `--shard I/SHARDS`: every shard starts at once in CI, and a
    run without xdist (no `--share`, so no shard takes another's faults) still runs every fault."""
    workers = re.search(r"pytest selftests .*-n (\d+) ", (ROOT / "scripts" / "test.sh").read_text())
    started = int(workers.group(1)) if workers else None
    assert started == SHARDS, f"scripts/test.sh starts {started} workers for {SHARDS} shards"
    names = sorted(f.name for f in (ROOT / "selftests" / "gate").glob("test_matrix_shard_*.py"))
    wanted = [f"test_matrix_shard_{i}.py" for i in range(1, SHARDS + 1)]
    assert names == wanted, f"shard files {names}, not one per shard of {SHARDS}"
    for index, name in enumerate(names, start=1):
        text = (ROOT / "selftests" / "gate" / name).read_text()
        assert f"run_shard({index}, " in text, f"{name} does not run shard {index}"
