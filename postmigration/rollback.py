"""Rollback readiness: can old take the users back? Its API answers, its database takes writes,
its storage still holds the objects of the move. (That the last dump restores is rollback-dump's
outcome, folded into the item by the verdict: the dump is restored once per run.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import httpx
import psycopg

from postmigration.config import Target
from postmigration.errors import first_line
from postmigration.foundations import answer_to_get
from postmigration.keys import api_headers
from postmigration.refusals import refusal
from postmigration.storage import StoredObject, list_all
from postmigration.storage_parity import MetadataComparison

__all__ = [
    "API_ROLES",
    "api_problems",
    "gone_from_old",
    "missing_objects",
    "objects_not_on_old",
    "old_holds_in_databases",
    "old_lists_through_api",
    "storage_listing_problem",
    "write_blockers",
]

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

if TYPE_CHECKING:
    from supabase import Client
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
        return gone_from_old(bucket, len(expected))
    return objects_not_on_old(bucket, len(expected), sorted(expected - set(old)), "lists")


def gone_from_old(bucket: str, held: int) -> str:
    """The line for a bucket of the app that old no longer has."""
    return f'bucket "{bucket}" is gone from old (new holds {_objects(held)} from the move)'


def objects_not_on_old(
    bucket: str,
    held: int,
    missing: list[str],
    verb: str = "holds",
    at_least: bool = False,
    old_total: int | None = None,
) -> str | None:
    """One line when some of the `held` objects new holds from the move are `missing` on old.
    `at_least`: not every differing object was examined, so more may be missing; `old_total`:
    how many objects old holds in the bucket in all (it bounds how many of new's it can hold,
    and makes the count exact when that is none)."""
    holds = held - len(missing)
    if old_total is not None:
        holds = min(holds, old_total)
    if holds >= held:
        return None
    exact = holds == 0 or (not at_least and holds == held - len(missing))
    named = ", ".join(f"{bucket}/{name}" for name in missing[:_SHOWN])
    others = (held - holds if exact else len(missing)) - min(len(missing), _SHOWN)
    more = f" and {others} more" if others > 0 and named else ""
    shown = named + more if named else "none of them among the objects examined"
    unseen = "" if exact else "; not every differing object was examined, more may be missing"
    return (
        f'bucket "{bucket}" on old {verb} {"" if exact else "at most "}{holds} of the '
        f"{_objects(held)} new holds from the move (missing: {shown}{unseen})"
    )


def storage_listing_problem(old: Client, bucket: str) -> str | None:
    """One line when old's Storage API does not answer a listing of the bucket (its first
    object only: the objects themselves are compared in the databases)."""
    try:
        old.storage.from_(bucket).list("", {"limit": 1})
    except Exception as exc:  # httpx and storage3 errors alike
        return _listing_refused(bucket, exc)
    return None


def _listing_refused(bucket: str, exc: Exception) -> str:
    cause = refusal(exc) or f"{type(exc).__name__}: {first_line(exc)}"
    return f'old\'s Storage API does not list bucket "{bucket}": {cause}'


def _objects(count: int) -> str:
    return f"{count} object{'' if count == 1 else 's'}"


def old_holds_in_databases(
    old: Client,
    compared: MetadataComparison,
    old_buckets: Mapping[str, object],
    buckets: Iterable[str],
) -> tuple[list[str], list[str]]:
    """Rollback-ready's storage part with both db_urls: per bucket, the objects new held that
    old's `storage.objects` lacks (from the session-start comparison), and whether old's
    Storage API answers a listing of it; and a line of counts each."""
    problems: list[str] = []
    lines: list[str] = []
    for bucket in buckets:
        theirs, ours = compared.counts.get(bucket, (0, 0))
        lines.append(f"{bucket}: old holds {theirs}, new held {ours}")
        if bucket not in old_buckets:
            problems.append(gone_from_old(bucket, ours))
            continue
        problems += filter(None, [storage_listing_problem(old, bucket)])
        problem = objects_not_on_old(
            bucket,
            ours,
            compared.not_on_old(bucket),
            at_least=bucket in compared.partial,
            old_total=theirs,
        )
        if problem:
            problems.append(problem)
    return problems, lines


def old_lists_through_api(
    old: Client,
    new: Mapping[str, Mapping[str, StoredObject]],
    later: Mapping[str, set[str]],
    old_buckets: Mapping[str, object],
    buckets: Iterable[str],
) -> tuple[list[str], list[str]]:
    """Rollback-ready's storage part without db_urls: per bucket, the objects new held (`new`,
    but those in `later`) that old's Storage API no longer lists; and a line of counts each."""
    problems: list[str] = []
    lines: list[str] = []
    for bucket in buckets:
        try:
            theirs = list_all(old.storage.from_(bucket)) if bucket in old_buckets else None
        except Exception as exc:  # httpx and storage3 errors alike
            problems.append(_listing_refused(bucket, exc))
            continue
        ours = new.get(bucket, {})
        excused = later.get(bucket, set()) & set(ours)
        lines.append(
            f"{bucket}: old lists {'no bucket' if theirs is None else len(theirs)}, "
            f"new held {len(ours)}" + (f" ({len(excused)} after the cutover)" if excused else "")
        )
        problem = missing_objects(bucket, ours, theirs, excused)
        if problem:
            problems.append(problem)
    return problems, lines
