"""Progress while the gate runs: foundations first, then one line per item as it settles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import postmigration
from postmigration.checklist import CHECKLIST
from selftests.core.conftest import (
    FakeSupabase,
    failing_suite,
    item,
    run,
    summary,
    write_config,
)

ITEM_LINE = re.compile(
    r"^\[gate\] (?P<id>[\w-]+)\s+(?P<status>\w+(?: \w+)?)\s+(?P<seconds>\d+\.\d\d)s\b"
)
FOUNDATION_LINE = re.compile(r"^\[gate\] foundation (?P<name>\w+)\s+(?P<state>ok|DOWN)\b")

# login is proved by two tests, in the first and the last file: its line must wait for both.
LOGIN_AGAIN = """
import pytest

@pytest.mark.item("login")
def test_login_again(target):
    pass
"""


def _gate_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if line.startswith("[gate] ")]


def _suite(pytester: pytest.Pytester, fake_supabase: FakeSupabase) -> None:
    config = write_config(pytester, fake_supabase.url)
    # Nothing listens at the database: its items are blocked, the rest run.
    dead_db = 'db_url = "postgresql://postgres:pw@127.0.0.1:9/postgres"\n\n[accounts.admin]'
    config.write_text(config.read_text().replace("[accounts.admin]", dead_db))
    modules = failing_suite("buckets", 'bucket "avatars" is not public')
    pytester.makepyfile(test_a_suite=modules["test_suite"], test_buckets=modules["test_buckets"])
    pytester.makepyfile(test_z_login=LOGIN_AGAIN)


def _check_progress(result: pytest.RunResult, pytester: pytest.Pytester) -> None:
    lines = _gate_lines(result)
    foundations = [FOUNDATION_LINE.match(line) for line in lines[:3]]
    assert [(m["name"], m["state"]) for m in foundations if m] == [
        ("reachable", "ok"),
        ("auth", "ok"),
        ("database", "DOWN"),
    ], lines[:3]
    assert "Connection refused" in lines[2]
    items = [ITEM_LINE.match(line) for line in lines[3:]]
    assert all(items), lines[3:]
    data = summary(pytester)
    seen = {m["id"]: m["status"] for m in items if m}
    assert len(items) == len(seen) == len(CHECKLIST)  # one line per item
    assert seen == {i["id"]: i["status"].replace("_", " ") for i in data["items"]}
    assert seen["buckets"] == "failed" and seen["migrations"] == "blocked"
    failed = next(line for line in lines if line.startswith("[gate] buckets "))
    assert failed.endswith('bucket "avatars" is not public')


def test_progress_under_q_foundations_first_one_line_per_item(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    _suite(pytester, fake_supabase)
    result = run(pytester, "--target=new", "-q", "-p", "no:randomly")
    assert result.ret == 1
    _check_progress(result, pytester)
    # In file order login's second test runs last, so login settles last.
    assert ITEM_LINE.match(_gate_lines(result)[-1])["id"] == "login"  # type: ignore[index]
    # Each line stands on its own, not glued to the dots of -q.
    assert all(line.startswith("[gate] ") for line in result.stdout.lines if "[gate]" in line)
    assert item(summary(pytester), "login")["status"] == "passed"


def test_progress_under_xdist(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The workers import this checkout's plugin, not whichever one is installed.
    monkeypatch.setenv("PYTHONPATH", str(Path(postmigration.__file__).parent.parent))
    _suite(pytester, fake_supabase)
    result = pytester.runpytest_subprocess("--target=new", "-q", "-n", "2", "-p", "no:playwright")
    assert result.ret == 1
    _check_progress(result, pytester)
    assert all(line.startswith("[gate] ") for line in result.stdout.lines if "[gate]" in line)
