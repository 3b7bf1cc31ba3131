"""Bad input (exit 4) leaves no earlier verdict behind: a report dir that held a GO now holds a
NO-GO naming the bad input, so an artifact published after a failed run never shows GO."""

from __future__ import annotations

import json

import pytest

from selftests.core.conftest import FakeSupabase, passing_suite, run, summary, write_config


def test_a_bad_phase_after_a_go_leaves_a_no_go_not_the_old_go(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite())
    assert run(pytester, "--target=new").ret == 0
    reports = pytester.path / "reports"
    assert summary(pytester)["verdict"] == "GO"
    assert (reports / "junit.xml").is_file()

    result = run(pytester, "--target=new", "--phase=bogus")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    said = "unknown phase 'bogus' (--phase); valid phases: pre-cutover, post-cutover, nightly"
    written = json.loads((reports / "summary.json").read_text())
    assert (written["verdict"], written["bad_input"]) == ("NO-GO", said), written
    page = (reports / "go-no-go.html").read_text()
    assert '<h1 id="pm-verdict">NO-GO</h1>' in page and "GO</h1>" not in page.replace(
        "NO-GO</h1>", ""
    ), page
    assert "unknown phase &#x27;bogus&#x27;" in page, page
    assert not (reports / "junit.xml").exists()


def test_a_run_id_that_is_not_one_is_refused_before_anything_is_written_or_swept(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    """The cleanup deletes every row whose text starts with the run id: `--run-id=qa` deleted a
    user's goal "qa my real goal" on the kept playbook. It is now one line, exit 4."""
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new", "--run-id=qa")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [
        "ERROR: --run-id 'qa' is not a run id: give pm- and 6 hex digits (e.g. pm-1a2b3c); "
        "the cleanup deletes every row whose text starts with the run id"
    ], errors
    assert run(pytester, "--target=new", "--run-id=pm-1a2b3c").ret == 0
