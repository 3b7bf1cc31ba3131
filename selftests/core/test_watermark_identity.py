"""cutover.json belongs to one cutover: the old it was taken on and the new it was taken for.
A file left in the report dir by a rehearsal against another old, or by an earlier version
that did not say, is refused in one line (exit 4), never used to scope the comparison."""

from __future__ import annotations

import json

import pytest

from postmigration.config import Target
from postmigration.watermark import Watermark
from selftests.core.conftest import FakeSupabase, passing_suite, run, write_config

OLD = "https://oldref.supabase.co"
NEW = "https://newref.supabase.co"


def _watermark(old: str = OLD, new: str = NEW) -> Watermark:
    return Watermark("2026-03-01T22:00:00+00:00", "the pre-cutover run x", {}, old, new)


def test_this_cutover_s_watermark_is_accepted_and_a_rehearsal_s_is_named() -> None:
    new, old = Target("new", NEW + "/"), Target("old", OLD)
    assert _watermark().mismatch(new, old) is None
    assert _watermark().mismatch(new, None) is None  # no old in this run: new alone is checked
    rehearsal = _watermark(old="https://staging-old.example.com")
    assert rehearsal.mismatch(new, old) == (
        f"it was taken on old https://staging-old.example.com, not {OLD}"
    )
    other_new = _watermark(new="https://other.example.com")
    assert (
        other_new.mismatch(new, old) == f"it was taken for new https://other.example.com, not {NEW}"
    )
    assert Watermark.from_dict(_watermark().to_dict()) == _watermark()


def test_a_file_that_does_not_say_its_old_and_new_is_not_trusted() -> None:
    unsaid = Watermark.from_dict(
        {"cutover_at": "2026-03-01T22:00:00+00:00", "source": "x", "tables": {}}
    )
    assert unsaid.mismatch(Target("new", NEW), Target("old", OLD)) == (
        "it does not say which old and new it was taken on (an earlier version's file)"
    )


def test_post_cutover_with_another_cutover_s_file_is_one_line_exit_4(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite())
    reports = pytester.path / "reports"
    reports.mkdir()
    stale = _watermark(new="https://rehearsal-new.example.com").to_dict()
    (reports / "cutover.json").write_text(json.dumps(stale))
    result = run(pytester, "--target=new", "--phase=post-cutover")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    assert (
        errors[0].startswith("ERROR: ")
        and "is not this cutover's watermark: it was taken" in errors[0]
    )
    assert "for new https://rehearsal-new.example.com, not " in errors[0], errors
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
