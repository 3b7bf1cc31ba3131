"""Rollback readiness: can old take the users back? Its API answers, its database takes writes,
its storage still lists the objects of the move. (That the last dump restores is rollback-dump's
outcome, folded into the item by the verdict: the dump is restored once per run.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx
import psycopg

from postmigration.config import Target
from postmigration.errors import first_line
from postmigration.foundations import answer_to_get
from postmigration.keys import api_headers
from postmigration.storage import StoredObject

__all__ = ["API_ROLES", "api_problems", "missing_objects", "write_blockers"]

_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# The roles Supabase's services write through (PostgREST, GoTrue, Storage): a read-only setting
# on one of them is a read-only API, even when the superuser session may write.
API_ROLES = (
    "authenticator",
    "anon",
    "authenticated",
    "service_role",
    "supabase_auth_admin",
    "supabase_storage_admin",
)
_ON = ("on", "true", "yes", "1")
_SHOWN = 1


def api_problems(old: Target, http: httpx.Client) -> list[str]:
    """One line per part of old's API that does not answer: GoTrue's health with old's public
    key must be 200, and PostgREST's root with old's server key must be 200."""
    probes = (
        ("/auth/v1/health", old.public_key),
        ("/rest/v1/", old.server_key),
    )
    problems = []
    for path, key in probes:
        url = f"{old.supabase_url}{path}"
        status, said = answer_to_get(http, url, api_headers(key), _TIMEOUT)
        if status != 200:
            problems.append(said)
    return problems


def _is_on(value: str | None) -> bool:
    return (value or "").strip().lower() in _ON


def write_blockers(conn: psycopg.Connection, *, probe: bool = True) -> list[str]:
    """Why old's database would refuse a rollback's writes: it is a standby in recovery, new
    sessions start read-only (server or database default), an API role is set read-only, or
    (with `probe`) a write in a transaction that is rolled back (a temporary table) is refused.
    Leaves nothing behind."""
    problems: list[str] = []
    database = str(conn.execute("select current_database()").fetchone()[0])  # type: ignore[index]
    if conn.execute("select pg_is_in_recovery()").fetchone()[0]:  # type: ignore[index]
        problems.append(f"the database {database} is a standby in recovery: it takes no writes")
    default = conn.execute("select current_setting('default_transaction_read_only')").fetchone()
    if default and _is_on(default[0]):
        problems.append(
            f"new sessions on {database} start read-only (default_transaction_read_only = on)"
        )
    rows = conn.execute(
        "select r.rolname, s.setconfig from pg_db_role_setting s "
        "join pg_roles r on r.oid = s.setrole "
        "where s.setdatabase in (0, (select oid from pg_database where datname = current_database()))"
        " and r.rolname = any(%s)",
        (list(API_ROLES),),
    ).fetchall()
    for role, config in sorted(rows):
        for entry in config or []:
            name, _, value = str(entry).partition("=")
            if name.strip().lower() == "default_transaction_read_only" and _is_on(value):
                problems.append(f"the role {role} is set read-only (default_transaction_read_only)")
    if probe and not problems:
        problems += _write_probe(conn, database)
    return problems


def _write_probe(conn: psycopg.Connection, database: str) -> list[str]:
    """A temporary table created in a transaction that is rolled back: refused when the
    database takes no writes, and leaves nothing behind."""
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("create temporary table pm_rollback_probe (id int)")
    except psycopg.Error as exc:
        return [f"a write on {database} is refused: {first_line(exc)}"]
    return []


def missing_objects(
    bucket: str,
    new: Mapping[str, StoredObject],
    old: Mapping[str, StoredObject] | None,
    excused: Iterable[str] = (),
) -> str | None:
    """One line when old (None: the bucket is gone from old) no longer lists objects new holds
    from the move; `excused` names new's objects written after the cutover (not on old by
    design)."""
    expected = set(new) - set(excused)
    if old is None:
        return f'bucket "{bucket}" is gone from old (new holds {_objects(len(expected))} from the move)'
    missing = sorted(expected - set(old))
    if not missing:
        return None
    shown = ", ".join(f"{bucket}/{name}" for name in missing[:_SHOWN])
    more = f" and {len(missing) - _SHOWN} more" if len(missing) > _SHOWN else ""
    return (
        f'bucket "{bucket}" on old lists {len(expected) - len(missing)} of the '
        f"{_objects(len(expected))} new holds from the move (missing: {shown}{more})"
    )


def _objects(count: int) -> str:
    return f"{count} object{'' if count == 1 else 's'}"
