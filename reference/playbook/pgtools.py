"""The system PostgreSQL's client tools (pg_dump, pg_restore, psql), run against a stack."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from reference.stack.errors import StackError
from reference.stack.postgres import find_bindir

from .errors import PlaybookError

TOOLS = ("pg_dump", "pg_restore", "psql")


@dataclass(frozen=True)
class Server:
    """Where a stack's database listens, as the tools take it (password via PGPASSWORD)."""

    url: str

    @property
    def args(self) -> list[str]:
        """--host/--port/--username/--dbname, the playbook's own spelling (no password)."""
        parts = urlsplit(self.url)
        return [
            f"--host={parts.hostname}",
            f"--port={parts.port or 5432}",
            f"--username={unquote(parts.username or 'postgres')}",
            f"--dbname={parts.path.lstrip('/') or 'postgres'}",
        ]

    @property
    def env(self) -> dict[str, str]:
        """The environment for a tool: the password and nothing that could redirect it."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        return {**clean, "PGPASSWORD": unquote(urlsplit(self.url).password or "")}


def client_bindir() -> Path:
    """The directory of pg_dump/pg_restore/psql; PlaybookError when any is missing."""
    try:
        bindir = find_bindir()
    except StackError as exc:
        raise PlaybookError("preflight", str(exc)) from exc
    missing = [tool for tool in TOOLS if not (bindir / tool).exists()]
    if missing:
        raise PlaybookError(
            "preflight",
            f"{', '.join(missing)} not found in {bindir}: "
            "install them with `apt-get install postgresql-client`",
        )
    return bindir


def run_tool(
    step: str,
    bindir: Path,
    tool: str,
    args: list[str],
    server: Server,
    timeout_s: float = 600,
    pgoptions: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run one tool against `server` (with PGOPTIONS when given); a non-zero exit is a
    PlaybookError carrying the tool's first error line."""
    env = server.env if pgoptions is None else {**server.env, "PGOPTIONS": pgoptions}
    where = server.args
    if tool == "pg_dumpall":  # its --dbname takes a connection string; --database a name
        where = [a.replace("--dbname=", "--database=", 1) for a in where]
    try:
        done = subprocess.run(
            [str(bindir / tool), *where, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout_s,
            cwd="/",
        )
    except subprocess.TimeoutExpired as exc:
        raise PlaybookError(step, f"{tool} did not finish in {timeout_s:.0f}s") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        errors = [line for line in lines if "error" in line.lower()] or lines
        raise PlaybookError(step, errors[0] if errors else f"{tool} exited {done.returncode}")
    return done


def psql(step: str, bindir: Path, server: Server, *args: str) -> str:
    """`psql` against `server` without ~/.psqlrc, stopping at the first error; its stdout."""
    done = run_tool(
        step, bindir, "psql", ["--no-psqlrc", "--quiet", "-v", "ON_ERROR_STOP=1", *args], server
    )
    return done.stdout
