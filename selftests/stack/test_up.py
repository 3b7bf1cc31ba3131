"""`python -m reference.stack up`: restarts keep their data, --db-url, and one-line failures."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from reference.stack.postgres import Cluster, find_bindir, free_port, reserve_port
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


def test_the_gateway_port_is_held_from_the_moment_it_is_chosen(tmp_path: Path) -> None:
    """While a fresh project migrates and seeds, another program's plain bind cannot take its
    gateway port (CI once saw `up` fail with uvicorn's STARTUP_FAILURE: the port was chosen, then taken by
    another process before the gateway bound it)."""
    state = tmp_path / "project"
    stack = StackProcess(state)
    starting = threading.Thread(target=stack.start)
    starting.start()
    try:
        ports = state / "stack.json"
        deadline = time.monotonic() + 60
        while not (ports.exists() and "gateway" in ports.read_text()):
            assert time.monotonic() < deadline, "the stand-in never wrote its ports"
            time.sleep(0.02)
        gateway = json.loads(ports.read_text())["gateway"]
        with socket.socket() as other:
            try:
                other.bind(("127.0.0.1", gateway))
            except OSError:
                taken = False
            else:
                taken = True
        assert not taken, f"another program could bind the gateway's port {gateway} during startup"
    finally:
        starting.join()
        stack.stop()
    assert stack.process is not None and stack.process.returncode is not None


def test_a_reserved_port_refuses_other_programs_but_not_its_server() -> None:
    """reserve_port keeps a plain bind (another program, an outgoing connection) off the port,
    while a server binding with SO_REUSEADDR, as PostgreSQL does, can still listen on it."""
    with reserve_port() as held:
        port = int(held.getsockname()[1])
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))
        with socket.socket() as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", port))
            server.listen()
