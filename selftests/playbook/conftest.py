"""Run `python -m reference.playbook` for real as a subprocess, and read both stacks back."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from reference.playbook.runner import PlaybookDidNotFinish, PlaybookProcess

ROOT = Path(__file__).resolve().parents[2]
QUICK = ("--rows", "2000", "--users", "1000")


@dataclass
class PlaybookRun:
    """A playbook that finished its steps and is serving both stacks."""

    state_dir: Path
    process: subprocess.Popen[bytes]
    config: dict[str, Any]
    output: str

    def db(self, target: str) -> str:
        """The superuser database URL of `old` or `new`."""
        return str(self.config["targets"][target]["db_url"])

    def url(self, target: str) -> str:
        """The gateway URL of `old` or `new`."""
        return str(self.config["targets"][target]["supabase_url"])


@contextmanager
def playbook_run(state_dir: Path, *args: str, timeout_s: float = 240) -> Iterator[PlaybookRun]:
    """Start the playbook, wait (bounded) for its done line, yield, then SIGTERM it and
    require a clean exit with both databases stopped."""
    playbook = PlaybookProcess(state_dir, args, timeout_s=timeout_s)
    try:
        try:
            playbook.start()
        except PlaybookDidNotFinish as exc:
            pytest.fail(f"playbook {exc}")
        assert playbook.process is not None
        yield PlaybookRun(state_dir, playbook.process, playbook.config, playbook.output())
    finally:
        code = playbook.stop()
    assert code == 0, playbook.output()[-2000:]
    for name in ("old", "new"):
        assert not (state_dir / name / "pgdata" / "postmaster.pid").exists(), f"{name} still runs"


def scalar(db_url: str, sql: str, params: tuple[object, ...] = ()) -> Any:
    """The one value a query returns."""
    with psycopg.connect(db_url) as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def row_counts(db_url: str) -> dict[str, int]:
    """Row counts of every public table and of auth.users, computed in the database."""
    with psycopg.connect(db_url) as conn:
        tables = [
            f"public.{r[0]}"
            for r in conn.execute(
                "select tablename from pg_tables where schemaname = 'public' order by 1"
            )
        ]
        return {
            table: conn.execute(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
            for table in [*tables, "auth.users"]
        }


def stored_files(storage_root: Path) -> dict[str, str]:
    """`bucket/name` -> md5 of every object's bytes under a stack's storage root."""
    return {
        str(path.relative_to(storage_root)): hashlib.md5(path.read_bytes()).hexdigest()
        for path in sorted(storage_root.rglob("*"))
        if path.is_file()
    }
