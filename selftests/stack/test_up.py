"""`python -m reference.stack up`: restarts keep their data, --db-url, and one-line failures."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from reference.stack.postgres import Cluster, find_bindir, free_port
from reference.stack.runner import ROOT, StackDidNotStart, StackProcess


def _rows(stack: StackProcess, sql: str) -> list[tuple]:
    with psycopg.connect(str(stack.target["db_url"]), autocommit=True) as conn:
        return conn.execute(sql).fetchall()


def test_a_restart_keeps_data_keys_and_url(tmp_path: Path) -> None:
    state = tmp_path / "project"
    with StackProcess(state) as first:
        _rows(
            first,
            "insert into public.daily_missions (mission_date, question) values ('2099-01-01', 'kept?') returning id",
        )
        url, key = first.url, first.target["service_role_key"]
    with StackProcess(state) as again:
        assert _rows(
            again, "select question from public.daily_missions where mission_date = '2099-01-01'"
        ) == [("kept?",)]
        assert (again.url, again.target["service_role_key"]) == (url, key)
        migrations = _rows(again, "select count(*) from supabase_migrations.schema_migrations")[0][
            0
        ]
        assert migrations == len(list((ROOT / "reference/supabase/migrations").glob("*.sql")))


def test_db_url_uses_a_fresh_database_on_an_existing_server(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path / "server" / "pgdata", free_port(), find_bindir())
    (tmp_path / "server").mkdir()
    (tmp_path / "server").chmod(0o711)
    cluster.init("server-pw")
    cluster.start()
    try:
        server = f"postgresql://postgres:{quote('server-pw')}@127.0.0.1:{cluster.port}/postgres"
        with StackProcess(tmp_path / "project", extra_args=("--db-url", server)) as stack:
            dbname = str(stack.target["db_url"]).rsplit("/", 1)[1]
            assert dbname.startswith("pm_"), dbname
            admins = _rows(stack, "select count(*) from public.profiles where is_admin")
            assert admins == [(1,)]
        with psycopg.connect(server, autocommit=True) as conn:
            names = [r[0] for r in conn.execute("select datname from pg_database").fetchall()]
        assert dbname in names and "postgres" in names
    finally:
        cluster.stop()


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "reference.stack",
                "up",
                "--state",
                str(tmp_path / "s"),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"stand-in: port {port} is taken: stop what listens there or pass --port 0"
    )
    assert "Traceback" not in done.stderr


def test_missing_postgres_binaries_say_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from reference.stack import postgres
    from reference.stack.errors import StackError

    monkeypatch.setattr(postgres.Path, "glob", lambda self, pattern: iter(()))
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    with pytest.raises(StackError, match=r"apt-get install postgresql postgresql-contrib"):
        find_bindir()


def test_a_stand_in_that_cannot_start_says_why(tmp_path: Path) -> None:
    bad = "postgresql://postgres:wrong@127.0.0.1:1/postgres"
    with pytest.raises(StackDidNotStart, match="cannot create a database on --db-url"):
        StackProcess(tmp_path / "s", extra_args=("--db-url", bad), timeout_s=60).start()
