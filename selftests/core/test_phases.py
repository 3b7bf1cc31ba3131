"""Phases: what each item expects before the switch, right after it and at night; sign-offs;
the run history and its flaky marks; bad input as one line (exit 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postmigration.history import append_run, is_flaky, recent_outcomes
from selftests.core.conftest import (
    FakeSupabase,
    item,
    passing_suite,
    run,
    summary,
    write_config,
)

SIGN_OFFS = (
    '[sign_offs]\nmaintenance-window = "Maintenance window approved"\ncomms-sent = "Users told"\n'
)


def _one_line_error(result: pytest.RunResult, expected: str) -> None:
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [f"ERROR: {expected}"], errors
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def _real_sign_offs_test(pytester: pytest.Pytester) -> None:
    """The suite's own sign-offs test, beside a passing test for every other item."""
    source = (Path(__file__).resolve().parents[2] / "tests/preflight/test_sign_offs.py").read_text()
    pytester.makepyfile(test_suite=passing_suite(except_items=("sign-offs",)), test_sign=source)


def test_phase_shows_in_summary_html_and_header(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new", "--phase=nightly")
    assert result.ret == 0, result.stdout.str()
    assert summary(pytester)["phase"] == "nightly"
    result.stdout.fnmatch_lines(["phase: nightly (from --phase)"])
    html = (pytester.path / "reports" / "go-no-go.html").read_text()
    assert '<b id="pm-phase">nightly</b>' in html


def test_the_target_sets_the_phase_and_the_option_beats_it(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    config = write_config(pytester, fake_supabase.url)
    text = config.read_text().replace('site_url = "', 'phase = "pre-cutover"\nsite_url = "', 1)
    config.write_text(text)
    pytester.makepyfile(test_suite=passing_suite())
    run(pytester, "--target=new")
    assert summary(pytester)["phase"] == "pre-cutover"
    run(pytester, "--target=new", "--phase=post-cutover")
    assert summary(pytester)["phase"] == "post-cutover"


def test_an_item_out_of_its_phase_is_not_applicable_never_passed(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    """sign-offs means something before the switch only: after it, it is not applicable (its
    test does not even run), and it neither passes nor holds the gate."""
    write_config(pytester, fake_supabase.url, extra=SIGN_OFFS)
    _real_sign_offs_test(pytester)
    result = run(pytester, "--target=new", "--phase=post-cutover")
    assert result.ret == 0, result.stdout.str()
    sign_offs = item(summary(pytester), "sign-offs")
    assert sign_offs["status"] == "not_applicable"
    assert sign_offs["reason"] == (
        "not applicable in this phase (post-cutover); applies in pre-cutover"
    )
    assert sign_offs["tests"][0]["outcome"] == "not_applicable"


def test_missing_sign_off_is_not_verified_and_given_ones_are_recorded(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url, extra=SIGN_OFFS)
    _real_sign_offs_test(pytester)
    result = run(
        pytester, "--target=new", "--phase=pre-cutover", "--sign-off", 'maintenance-window="J. Doe"'
    )
    assert result.ret == 1
    sign_offs = item(summary(pytester), "sign-offs")
    assert sign_offs["status"] == "not_verified"
    assert "sign-off not given: comms-sent (Users told)" in sign_offs["reason"]
    result = run(
        pytester,
        "--target=new",
        "--phase=pre-cutover",
        "--sign-off=maintenance-window=J. Doe",
        "--sign-off=comms-sent=A. Lee",
    )
    assert result.ret == 0, result.stdout.str()
    assert item(summary(pytester), "sign-offs")["status"] == "passed"
    html = (pytester.path / "reports" / "go-no-go.html").read_text()
    assert "maintenance-window (Maintenance window approved): given by J. Doe at 20" in html
    assert "comms-sent (Users told): given by A. Lee at" in html


def test_nightly_waives_parity_with_the_reason_shown_never_passed(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    parity = (
        "import pytest\n\n"
        '@pytest.mark.item("data-parity")\ndef test_d(target):\n'
        '    pytest.skip("not verified: data parity needs the old server")\n\n'
        '@pytest.mark.item("storage-parity")\ndef test_s(target):\n'
        '    pytest.skip("not verified: storage parity needs the old server")\n'
    )
    pytester.makepyfile(
        test_suite=passing_suite(except_items=("data-parity", "storage-parity")), test_p=parity
    )
    result = run(pytester, "--target=new", "--phase=nightly")
    assert result.ret == 0, result.stdout.str()
    for item_id in ("data-parity", "storage-parity"):
        found = item(summary(pytester), item_id)
        assert (found["severity"], found["status"]) == ("warning", "not_verified")
        assert found["reason"].startswith("waived: nightly: no old server to compare with")
    # The same run after the cutover: parity holds the gate.
    assert run(pytester, "--target=new", "--phase=post-cutover").ret == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("--phase=cutover",),
            "unknown phase 'cutover' (--phase); valid phases: pre-cutover, post-cutover, nightly",
        ),
        (
            ("--phase=pre-cutover", "--sign-off=maintenance=J. Doe"),
            "--sign-off names unknown sign-off 'maintenance' (known: maintenance-window, "
            "comms-sent)",
        ),
        (
            ("--cutover-at=yesterday evening",),
            "--cutover-at 'yesterday evening' is not a time (write ISO 8601, e.g. "
            "2026-03-01T22:00:00Z)",
        ),
    ],
    ids=["unknown-phase", "unknown-sign-off", "cutover-at-not-a-time"],
)
def test_bad_phase_input_is_one_line_exit_4(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, args: tuple[str, ...], expected: str
) -> None:
    write_config(pytester, fake_supabase.url, extra=SIGN_OFFS)
    pytester.makepyfile(test_suite=passing_suite())
    _one_line_error(run(pytester, "--target=new", *args), expected)


def test_each_run_appends_to_the_history_and_the_report_shows_it(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite())
    history = pytester.path / "reports" / "history"
    # Thirteen earlier nights in which buckets alternated, and one of another phase.
    for night in range(13):
        status = "passed" if night % 2 else "failed"
        entry = {
            "started_at": f"2026-01-{night + 1:02d}T02:30:00+00:00",
            "run_id": f"pm-{night}",
            "phase": "nightly",
            "target": "new",
            "verdict": "GO",
            "items": {"buckets": status, "login": "passed"},
        }
        history.mkdir(parents=True, exist_ok=True)
        (history / f"night-{night}.json").write_text(json.dumps(entry))
    (history / "other.json").write_text(
        json.dumps({**entry, "phase": "pre-cutover", "items": {"login": "failed"}})
    )
    (history / "damaged.json").write_text("{not json")
    result = run(pytester, "--target=new", "--phase=nightly")
    assert result.ret == 0, result.stdout.str()
    assert len(list(history.glob("*.json"))) == 16
    html = (pytester.path / "reports" / "go-no-go.html").read_text()
    assert html.count('class="pm-history">last 14:') >= 2
    assert html.count('class="pm-flaky"') == 1  # buckets alternated; login never did


def test_recent_outcomes_keep_the_last_window_of_the_same_target_and_phase(
    tmp_path: Path,
) -> None:
    for night in range(20):
        append_run(
            tmp_path,
            {
                "started_at": f"2026-02-{night + 1:02d}T02:30:00+00:00",
                "run_id": f"pm-{night:02d}",
                "phase": "nightly",
                "target": {"name": "staging"},
                "verdict": "GO",
                "items": [{"id": "login", "status": "passed" if night < 19 else "failed"}],
            },
        )
    outcomes = recent_outcomes(tmp_path, "staging", "nightly")
    assert outcomes["login"] == ["passed"] * 13 + ["failed"]
    assert recent_outcomes(tmp_path, "staging", "pre-cutover") == {}


@pytest.mark.parametrize(
    ("outcomes", "flaky"),
    [
        (["passed"] * 14, False),
        (["passed"] * 7 + ["failed"] * 7, False),  # one change: a regression, not flakiness
        (["passed", "failed", "passed"], True),
        (["failed", "not_verified", "passed", "not_applicable", "failed"], True),
        (["not_applicable", "passed", "not_applicable", "passed"], False),
    ],
)
def test_flaky_means_it_alternated(outcomes: list[str], flaky: bool) -> None:
    assert is_flaky(outcomes) is flaky
