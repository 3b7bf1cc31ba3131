"""`python -m postmigration.precompile` leaves pytest's rewritten modules cached, even where
Python is told not to write bytecode, so a gate run (and each xdist worker) reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmigration.precompile import main


def _suite(tmp_path: Path, body: str) -> Path:
    tests = tmp_path / "suite"
    tests.mkdir()
    (tests / "test_login.py").write_text(body)
    return tests


def test_the_rewritten_tests_are_cached_where_bytecode_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With PYTHONDONTWRITEBYTECODE=1 in the environment, the cache is written all the same."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    tests = _suite(tmp_path, "def test_login():\n    assert 1 + 1 == 2\n")
    assert main([str(tests)]) == 0
    cached = [p.name for p in (tests / "__pycache__").glob("test_login.*-pytest-*.pyc")]
    assert cached, f"no rewritten copy of test_login.py in {tests / '__pycache__'}"


def test_a_suite_that_does_not_collect_is_one_line_and_not_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken test file: exit 1 and one line naming the folder, no traceback."""
    tests = _suite(tmp_path, "def test_login(:\n")
    assert main([str(tests)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"precompile: collecting {tests} failed: "), err
