"""The rollback dump: can `pg_restore` read it, and does it hold every table's data?"""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path


class ToolMissing(Exception):
    """A PostgreSQL client program is not installed."""


def pg_tool(name: str) -> str:
    """Path of a PostgreSQL client program (PATH, then Debian's versioned dirs, newest first)."""
    on_path = shutil.which(name)
    if on_path:
        return on_path
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]),
        reverse=True,
    )
    if candidates:
        return candidates[0]
    raise ToolMissing(
        f"{name} is not installed: install PostgreSQL's client programs (apt-get install postgresql-client)"
    )


def _pg_restore(dump: Path, option: str, timeout_s: int) -> str:
    done = subprocess.run(
        [pg_tool("pg_restore"), option, str(dump)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise ValueError(
            f"pg_restore cannot read {dump.name}: {reason.removeprefix('pg_restore: error: ')}"
        )
    return done.stdout


def tables_with_data(dump: Path, *, timeout_s: int = 120) -> set[str]:
    """`schema.table` of every TABLE DATA entry in the archive's table of contents.

    Raises ValueError with pg_restore's own words when the archive cannot be read.
    """
    found: set[str] = set()
    for line in _pg_restore(dump, "--list", timeout_s).splitlines():
        if line.startswith(";") or " TABLE DATA " not in line:
            continue
        # "<id>; <oid> <oid> TABLE DATA <schema> <table> <owner>"
        words = line.split(" TABLE DATA ", 1)[1].split()
        if len(words) >= 2:
            found.add(f"{words[0]}.{words[1]}")
    return found


def read_through(dump: Path, *, timeout_s: int = 600) -> None:
    """Read every data block of the archive (restoring to /dev/null): a truncated dump fails here.

    `--list` only reads the table of contents at the start of the file, so alone it may miss a
    dump that was cut short while it was written or copied.
    """
    _pg_restore(dump, "--file=/dev/null", timeout_s)
