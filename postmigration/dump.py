"""The rollback dump: how old it is, whether every block reads, and a real restore of it.

The restore goes into a scratch database (``pm_rollback_<run id>``) created on a server the
user names (``dump_restore_url``) or on the target's own server when that is on this machine;
it runs ``pg_restore --no-owner --no-privileges`` as the playbook does, collects every error
instead of stopping at the first, is bounded in time, and the scratch database is dropped
afterwards whatever happened.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from postmigration import db
from postmigration.applicability import is_loopback
from postmigration.db.connection import DatabaseUnreachable, connect, describe
from postmigration.errors import first_line

__all__ = [
    "DatabaseUnreachable",
    "Listing",
    "RestoreFailed",
    "ToolMissing",
    "compare_restored",
    "drop_abandoned_scratch",
    "parse_listing",
    "pg_tool",
    "read_listing",
    "read_through",
    "restore",
    "restore_server",
    "scratch_database",
    "scratch_name",
]

LIST_TIMEOUT_S = 120
READ_TIMEOUT_S = 600
# A restore that takes longer is reported as failed, never waited on for ever.
RESTORE_TIMEOUT_S = 900
# A scratch database unused and older than the longest restore and the comparison after it
# was left by a run killed mid-restore.
ABANDONED_AFTER_S = 2 * RESTORE_TIMEOUT_S
_SCRATCH_STAMP = "postmigration rollback-dump scratch, created "
CONNECT_TIMEOUT_S = 10

_CREATED = re.compile(r"^; Archive created at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?: (\S+))?", re.M)


class ToolMissing(Exception):
    """A PostgreSQL client program is not installed."""


class RestoreFailed(Exception):
    """The dump could not be restored; the message is one line (pg_restore's first error)."""


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


def _first_error(stderr: str, fallback: str) -> str:
    """pg_restore's first error line, without its ``pg_restore: error:`` prefix."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines
    first = errors[0] if errors else fallback
    for prefix in ("pg_restore: error: ", "pg_restore: "):
        first = first.removeprefix(prefix)
    return first


def _pg_restore(dump: Path, option: str, timeout_s: int) -> str:
    try:
        done = subprocess.run(
            [pg_tool("pg_restore"), option, str(dump)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        raise ValueError(f"pg_restore did not read {dump.name} within {timeout_s}s") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise ValueError(
            f"pg_restore cannot read {dump.name}: {reason.removeprefix('pg_restore: error: ')}"
        )
    return done.stdout


# Extensions a server holds in one database only (pg_cron lives in cron.database_name), with the
# schema their data is in: a scratch database beside that one cannot take them, so a scratch
# restore leaves them and their data out and says so (scheduled-jobs checks the jobs).
ONE_DATABASE_EXTENSIONS = {"pg_cron": "cron"}
# pg_net's request queue and response log: old keeps writing them while the gate runs (webhooks,
# cron calls), and pg_net prunes them itself, so their rows are restored but never compared.
LIVE_LOG_SCHEMAS = ("net",)
_ONE_DATABASE_ENTRY = re.compile(r"^\d+; \d+ \d+ (?:COMMENT - )?EXTENSION (?:- )?(\S+)")
_DATA_ENTRY = re.compile(r"^\d+; \d+ \d+ (?:TABLE DATA|SEQUENCE SET) (\S+) ")


@dataclass(frozen=True)
class Listing:
    """What ``pg_restore --list`` says of an archive: when it was made, which tables hold data."""

    created_at: datetime | None  # the dumping machine's wall-clock time, read as this machine's
    zone: str
    tables_with_data: frozenset[str]  # "schema.table"
    entries: int
    lines: tuple[str, ...] = ()  # the archive's entries, as --list prints them

    @property
    def one_database_extensions(self) -> tuple[str, ...]:
        """The archive's extensions that a server holds in one database only (pg_cron)."""
        found = {m.group(1) for line in self.lines if (m := _ONE_DATABASE_ENTRY.match(line))}
        return tuple(sorted(found & ONE_DATABASE_EXTENSIONS.keys()))

    @property
    def scratch_tables(self) -> frozenset[str]:
        """The tables with data a scratch restore is compared by: all but the one-database
        extensions' (not restored) and pg_net's logs (restored, but live on old)."""
        left_out = {ONE_DATABASE_EXTENSIONS[e] for e in self.one_database_extensions}
        left_out.update(LIVE_LOG_SCHEMAS)
        return frozenset(t for t in self.tables_with_data if t.partition(".")[0] not in left_out)

    def scratch_use_list(self) -> str:
        """The entries a scratch restore takes (for ``pg_restore --use-list``): every one but
        the one-database extensions and their schema's data."""
        extensions = set(self.one_database_extensions)
        schemas = {ONE_DATABASE_EXTENSIONS[e] for e in extensions}
        kept = []
        for line in self.lines:
            extension = _ONE_DATABASE_ENTRY.match(line)
            data = _DATA_ENTRY.match(line)
            if extension and extension.group(1) in extensions:
                continue
            if data and data.group(1) in schemas:
                continue
            kept.append(line)
        return "\n".join(kept) + "\n"

    def age_hours(self, now: datetime | None = None) -> float | None:
        """Hours since the archive was created (None when the header has no date)."""
        if self.created_at is None:
            return None
        return ((now or datetime.now()) - self.created_at).total_seconds() / 3600


def parse_listing(text: str) -> Listing:
    """Parse the output of ``pg_restore --list``."""
    created = _CREATED.search(text)
    found: set[str] = set()
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        lines.append(line)
        if " TABLE DATA " not in line:
            continue
        # "<id>; <oid> <oid> TABLE DATA <schema> <table> <owner>"
        words = line.split(" TABLE DATA ", 1)[1].split()
        if len(words) >= 2:
            found.add(f"{words[0]}.{words[1]}")
    return Listing(
        created_at=datetime.strptime(created.group(1), "%Y-%m-%d %H:%M:%S") if created else None,
        zone=(created.group(2) or "") if created else "",
        tables_with_data=frozenset(found),
        entries=len(lines),
        lines=tuple(lines),
    )


def read_listing(dump: Path, *, timeout_s: int = LIST_TIMEOUT_S) -> Listing:
    """The archive's table of contents and header.

    The header records the dumping machine's local wall-clock time without its zone; pg_restore
    prints it as if it were this machine's (set TZ to the dumping machine's zone when they differ).
    Raises ValueError with pg_restore's own words when the archive cannot be read.
    """
    return parse_listing(_pg_restore(dump, "--list", timeout_s))


def read_through(dump: Path, *, timeout_s: int = READ_TIMEOUT_S) -> None:
    """Read every data block of the archive (restoring to /dev/null): a truncated dump fails here.

    `--list` only reads the table of contents at the start of the file, so alone it may miss a
    dump that was cut short while it was written or copied.
    """
    _pg_restore(dump, "--file=/dev/null", timeout_s)


def scratch_name(run_id: str) -> str:
    """``pm_rollback_<run id>``: the scratch database's name (a plain identifier, <= 63 bytes)."""
    tag = re.sub(r"[^a-z0-9]+", "_", run_id.lower().removeprefix("pm-")).strip("_")
    return f"pm_rollback_{tag or 'run'}"[:63]


def with_database(db_url: str, dbname: str) -> str:
    """`db_url` pointing at database `dbname` on the same server, same user and options."""
    parts = urlsplit(db_url)
    return urlunsplit(parts._replace(path="/" + quote(dbname)))


def drop_abandoned_scratch(server_url: str) -> list[str]:
    """Drop the scratch databases runs killed mid-restore (SIGKILL) left on the server: named
    pm_rollback_*, stamped by :func:`scratch_database` more than ABANDONED_AFTER_S ago, and
    with no connection. Returns their names; one that cannot be dropped (a connection came
    in, too few rights) is left, and so is one without a stamp (its age is unknown)."""
    dropped: list[str] = []
    with connect(server_url, timeout_s=CONNECT_TIMEOUT_S) as admin:
        rows = admin.execute(
            "select d.datname, coalesce(shobj_description(d.oid, 'pg_database'), ''), now()"
            " from pg_database d where d.datname like 'pm\\_rollback\\_%'"
            " and not exists (select 1 from pg_stat_activity a where a.datname = d.datname)"
        ).fetchall()
        for name, comment, now in rows:
            if not comment.startswith(_SCRATCH_STAMP):
                continue
            try:
                created = datetime.fromisoformat(comment.removeprefix(_SCRATCH_STAMP))
            except ValueError:
                continue
            if (now - created).total_seconds() <= ABANDONED_AFTER_S:
                continue
            with contextlib.suppress(psycopg.Error):
                admin.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))
                dropped.append(str(name))
    return dropped


def _stamp(admin: psycopg.Connection, name: sql.Identifier) -> None:
    """Comment the scratch database with the server's time; a server that refuses the comment
    only loses the later clean-up of this database, should the run be killed."""
    with contextlib.suppress(psycopg.Error):
        (now,) = admin.execute("select now()").fetchone() or (datetime.now(UTC),)
        stamp = sql.Literal(_SCRATCH_STAMP + now.isoformat())
        admin.execute(sql.SQL("comment on database {} is {}").format(name, stamp))


@contextlib.contextmanager
def scratch_database(server_url: str, dbname: str) -> Iterator[str]:
    """Create `dbname` on the server of `server_url` (stamped with the server's time, so a
    later run can tell it was abandoned), yield its URL, drop it afterwards (forcing out any
    connection left), pass or fail. DatabaseUnreachable when the server does not answer;
    RestoreFailed when the database cannot be created."""
    with connect(server_url, timeout_s=CONNECT_TIMEOUT_S) as admin:
        name = sql.Identifier(dbname)
        try:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(name))
            admin.execute(sql.SQL("create database {}").format(name))
        except psycopg.Error as exc:
            raise RestoreFailed(
                f"cannot create the scratch database {dbname} on {describe(server_url)}: "
                f"{first_line(exc)}"
            ) from None
        _stamp(admin, name)
        try:
            yield with_database(server_url, dbname)
        finally:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(name))


def restore(
    dump: Path, db_url: str, listing: Listing, *, timeout_s: int = RESTORE_TIMEOUT_S
) -> None:
    """``pg_restore --no-owner --no-privileges`` of the archive (every entry but the one-database
    extensions', see ``Listing.scratch_use_list``) into the scratch database at `db_url`,
    continuing past errors so that every one is counted; RestoreFailed names the first error
    (and how many there were), or the time limit. The password travels in PGPASSWORD, never on
    the command line."""
    parts = urlsplit(db_url)
    netloc = quote(unquote(parts.username or ""), safe="") + "@" if parts.username else ""
    netloc += parts.netloc.rsplit("@", 1)[-1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = str(CONNECT_TIMEOUT_S)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    command = [
        pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        f"--dbname={urlunsplit(parts._replace(netloc=netloc))}",
    ]
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".list") as use_list:
            use_list.write(listing.scratch_use_list())
            use_list.flush()
            command += [f"--use-list={use_list.name}", str(dump)]
            done = subprocess.run(
                command, capture_output=True, text=True, env=env, timeout=timeout_s, cwd="/"
            )
    except subprocess.TimeoutExpired:
        raise RestoreFailed(
            f"pg_restore did not finish restoring {dump.name} within {timeout_s}s"
        ) from None
    if done.returncode != 0:
        count = re.search(r"errors ignored on restore: (\d+)", done.stderr)
        more = f" ({count.group(1)} errors in all)" if count and count.group(1) != "1" else ""
        raise RestoreFailed(
            f"pg_restore could not restore {dump.name}: "
            f"{_first_error(done.stderr, f'exit {done.returncode}')}{more}"
        )


def restore_server(dump_restore_url: str | None, target_db_url: str | None) -> str | None:
    """Where the scratch database goes: the server the user named, else the target's own
    server when its db_url is on this machine, else None (nowhere to restore)."""
    if dump_restore_url:
        return dump_restore_url
    if target_db_url and is_loopback(target_db_url):
        return target_db_url
    return None


@dataclass(frozen=True)
class Comparison:
    """The restored database against a reference database (old, or new)."""

    problems: list[str]
    summary: str  # one line: what was restored and what equals the reference
    rows: str  # per table: rows in the restore and in the reference


# What a running project writes by itself (sign-in sessions, audit and job logs, HTTP queues):
# the dump holds them as they were at its moment, and old goes on writing them (a client still
# resolving old signs in there after the switch). A restore must have these tables; their rows
# are not compared.
RUN_TIME_TABLES = frozenset(
    {
        "auth.audit_log_entries",
        "auth.flow_state",
        "auth.mfa_amr_claims",
        "auth.mfa_challenges",
        "auth.one_time_tokens",
        "auth.refresh_tokens",
        "auth.sessions",
        "cron.job_run_details",
        "net._http_response",
        "net.http_request_queue",
        "supabase_functions.hooks",
    }
)


def is_run_time_table(table: str) -> bool:
    """Whether `table` holds what the running project writes by itself (RUN_TIME_TABLES, and
    Realtime's messages and their daily partitions)."""
    return table in RUN_TIME_TABLES or table.startswith("realtime.messages")


def compare_restored(
    restored: psycopg.Connection,
    reference: psycopg.Connection,
    listing: Listing,
    *,
    reference_name: str,
    compare_data: bool,
    where: Mapping[str, sql.Composable] | None = None,
) -> Comparison:
    """Tables and schema of the restored dump against `reference`'s.

    Every table the archive holds data for, and every table data-parity compares on the
    reference (the app's schemas' and the auth tables), must be in the restore. With
    `compare_data`, each one's row count and content checksum (activity stamps left out, as
    data-parity does) must equal the reference's, and the schema (tables, columns, constraints,
    indexes, views, functions, triggers) of every schema holding those tables must equal it too.
    The rows of run-time tables (:func:`is_run_time_table`) are not compared; `where` (the
    cutover watermark's scope, per table) narrows the rows compared on both sides to those
    old held at the cutover, but those changed on old since.
    """
    # A dump carries no database-level settings: read the restore with the reference's
    # search_path, so that definitions print the same way on both sides.
    path = reference.execute("select current_setting('search_path')").fetchone()
    restored.execute("select set_config('search_path', %s, false)", (path[0] if path else "",))
    tables = sorted(listing.scratch_tables | set(db.compared_tables(reference)))
    schemas = tuple(sorted({t.partition(".")[0] for t in tables}))
    mine = db.fingerprints(restored, tables, where=where)
    theirs = db.fingerprints(reference, tables, where=where) if compare_data else {}
    problems: list[str] = []
    for table in tables:
        here, there = mine[table], theirs.get(table)
        if here is None:
            problems.append(f"table {table} is missing from the restored dump")
        elif not compare_data or is_run_time_table(table):
            continue
        elif there is None:
            problems.append(f"table {table} is in the restored dump but not on {reference_name}")
        elif here.rows != there.rows:
            problems.append(
                f"{table} has {here.rows} rows in the restored dump but {there.rows} "
                f"on {reference_name}"
            )
        elif here.checksum != there.checksum:
            problems.append(
                f"{table} has the same {here.rows} rows in the restored dump as on "
                f"{reference_name} but different content"
            )
    if compare_data:
        problems += db.schema_differences(
            db.schema_facts(restored, schemas),
            db.schema_facts(reference, schemas),
            new_name="the restored dump",
            old_name=reference_name,
        )
    by_schema = Counter(t.partition(".")[0] for t in tables if mine[t] is not None)
    what = ", ".join(f"{n} {schema} tables" for schema, n in sorted(by_schema.items()))
    if compare_data:
        run_time = sorted(t for t in tables if is_run_time_table(t))
        scoped = " up to the cutover watermark" if where else ""
        verdict = (
            f"row counts and content{scoped} equal {reference_name}'s for all "
            f"{len(tables) - len(run_time)}; schema of {', '.join(schemas)} equals "
            f"{reference_name}'s"
            if not problems
            else f"{len(problems)} differences from {reference_name}"
        )
        if run_time:
            verdict += f"; rows of the run-time tables not compared: {', '.join(run_time)}"
    else:
        verdict = (
            f"every table data-parity compares on {reference_name} is there; row counts not "
            "compared (no --compare-to: nothing the dump must equal)"
        )
    rows = "\n".join(
        f"{t}: {mine[t].rows if mine[t] else '-'}"
        + (
            f" (on {reference_name}: {theirs[t].rows if theirs.get(t) else '-'})"
            if compare_data
            else ""
        )
        for t in tables
    )
    return Comparison(problems, f"restored {what}; {verdict}", rows)
