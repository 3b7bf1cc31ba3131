"""One gate run at a time against a target: two at once count each other's writes as drift,
undo each other's restores, and sweep each other's rows.

The run holds a PostgreSQL advisory lock on the target's database (with db_url) for its whole
length, on a connection of its own: the server lets it go when the run ends, however it ends
(killed with SIGKILL too). A second run finds it held and stops before it writes anything.
Nothing is written to take it: a read-only target is locked the same way.

A database that accepts connections but never answers is waited for once: the lock's connection
waits as long as the foundations' database probe would, and its failure becomes that probe's
result (before, the run waited 10 s here and 5 s more in the probe before it said NO-GO).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from postmigration.config import Target
from postmigration.errors import PostmigrationError
from postmigration.foundations import DATABASE_CONNECT_TIMEOUT_S, database_error

__all__ = ["RUN_LOCK_KEY", "RunLock", "RunLockHeld", "take_run_lock"]

# pg_try_advisory_lock's one bigint key: "pmgate" in ASCII.
RUN_LOCK_KEY = 0x706D67617465
_APPLICATION = "postmigration gate"


class RunLockHeld(PostmigrationError):
    """Another gate run holds the target's lock."""


@dataclass(frozen=True)
class RunLock:
    """The connection holding the run lock (None: not taken), and why the database could not
    be reached when that is the reason (the foundations' database result, in their words)."""

    conn: psycopg.Connection | None
    database_down: str | None = None


def take_run_lock(target: Target, run_id: str) -> RunLock:
    """The target's run lock (keep its connection open for the run); not taken without db_url
    or when the database cannot be reached (the foundations report that, with the reason kept
    here). Raises RunLockHeld naming the other run when it is held."""
    if not target.db_url:
        return RunLock(None)
    try:
        conn = psycopg.connect(
            target.db_url, autocommit=True, connect_timeout=DATABASE_CONNECT_TIMEOUT_S
        )
    except psycopg.Error as exc:
        return RunLock(None, database_error(exc))
    conn.execute("select set_config('application_name', %s, false)", (f"{_APPLICATION} {run_id}",))
    (taken,) = conn.execute("select pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,)).fetchone() or (
        False,
    )
    if taken:
        return RunLock(conn)
    holder = conn.execute(
        "select a.application_name, a.backend_start from pg_locks l"
        " join pg_stat_activity a on a.pid = l.pid"
        " where l.locktype = 'advisory' and l.granted"
        " and (l.classid::bigint << 32) + l.objid::bigint = %s limit 1",
        (RUN_LOCK_KEY,),
    ).fetchone()
    conn.close()
    who = "another gate run"
    if holder:
        name, since = holder
        other = str(name or "").removeprefix(_APPLICATION).strip()
        who = f"another gate run ({other or 'run id unknown'}, since {since:%Y-%m-%d %H:%M:%S %Z})"
    raise RunLockHeld(
        f"{who} is going against {target.name}: two runs at once count each other's writes as "
        "drift and undo each other's restores; wait for it to end"
    )
