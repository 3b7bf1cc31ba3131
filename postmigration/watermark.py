"""The cutover watermark: which rows existed when old and new were compared before the switch.

Right after the DNS switch real users write to new within minutes. Data-parity then compares
only the rows that existed at the watermark: per table, the rows whose monotonic key (an integer
primary key, else ``created_at``) is at most the table's high-water mark, leaving out the rows
changed on new since the cutover (``updated_at`` later than it). Rows created or changed after
it are counted and shown, never counted as drift; a row from before it that is missing or
different on new still is. A table with neither key is compared whole, and the report says so.

The pre-cutover run takes the marks on old and writes them to ``<report-dir>/cutover.json``;
``--cutover-at`` gives the moment by hand (then ``created_at`` up to it, or old's largest id).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from postmigration import db
from postmigration.db.data import column_types, primary_key, table_identifier
from postmigration.db.tables import relation_exists
from postmigration.errors import ConfigError
from postmigration.origins import origin_of

if TYPE_CHECKING:
    from postmigration.config import Target
    from postmigration.session import RunConfig
    from postmigration.storage import StoredObject

__all__ = [
    "CUTOVER_FILE",
    "TableMark",
    "TableScope",
    "Watermark",
    "compared_rows",
    "cutover_watermark",
    "objects_written_after",
    "rows_old_held_at_the_cutover",
    "read_watermark",
    "scope_on",
    "LATE_ROWS_CHECKED",
    "late_rows_lost",
    "late_rows_missing_on_new",
    "take_watermark",
    "write_watermark",
]

CUTOVER_FILE = "cutover.json"
_INTEGER = ("smallint", "integer", "bigint")
_TIME = ("timestamp with time zone", "timestamp without time zone")


@dataclass(frozen=True)
class TableMark:
    """Up to where one table is compared: ``column`` <= ``value`` (kind "id" or "time"), or the
    whole table (kind "whole"). ``value`` None: the table was empty at the watermark."""

    kind: str
    column: str | None = None
    value: str | None = None
    changed: str | None = None  # the table's updated_at, when it has one
    key: tuple[str, ...] = ()  # its primary key, to leave changed rows out on both sides


@dataclass(frozen=True)
class Watermark:
    """The cutover moment, how it was given, each table's mark, and the API origins of the old
    it was taken on and of the new it was taken for (empty in a file of an earlier version)."""

    cutover_at: str
    source: str
    tables: dict[str, TableMark] = field(default_factory=dict)
    old: str = ""
    new: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON of cutover.json (and of xdist's workerinput)."""
        return {
            "cutover_at": self.cutover_at,
            "source": self.source,
            "old": self.old,
            "new": self.new,
            "tables": {t: asdict(m) for t, m in self.tables.items()},
        }

    def mismatch(self, new: Target, old: Target | None) -> str | None:
        """Why this watermark is not this run's (taken on another old, or for another new, as
        a rehearsal's file left in the report dir is); None when it is."""
        if not self.old or not self.new:
            return "it does not say which old and new it was taken on (an earlier version's file)"
        wrong = []
        if origin_of(new.supabase_url) != self.new:
            wrong.append(f"for new {self.new}, not {origin_of(new.supabase_url)}")
        if old is not None and origin_of(old.supabase_url) != self.old:
            wrong.append(f"on old {self.old}, not {origin_of(old.supabase_url)}")
        return f"it was taken {' and '.join(wrong)}" if wrong else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Watermark:
        """The inverse of to_dict; raises KeyError/TypeError/ValueError on a damaged file."""
        datetime.datetime.fromisoformat(str(data["cutover_at"]))
        tables = {
            str(t): TableMark(
                kind=str(m["kind"]),
                column=m.get("column"),
                value=m.get("value"),
                changed=m.get("changed"),
                key=tuple(m.get("key") or ()),
            )
            for t, m in dict(data["tables"]).items()
        }
        return cls(
            str(data["cutover_at"]),
            str(data["source"]),
            tables,
            str(data.get("old") or ""),
            str(data.get("new") or ""),
        )


@dataclass(frozen=True)
class TableScope:
    """One table's compared rows post-cutover: its mark, the rows created on new after it, and
    the keys of rows changed on new since the cutover (left out on both sides)."""

    mark: TableMark
    created_after: int = 0
    changed_keys: tuple[str, ...] = ()


def _mark_of(conn: psycopg.Connection, table: str, at: datetime.datetime | None) -> TableMark:
    """The table's mark on old: its integer key's max, else created_at's max (or ``at``)."""
    if not relation_exists(conn, table):
        return TableMark("whole")
    columns = dict(column_types(conn, table))
    key = tuple(primary_key(conn, table))
    changed = "updated_at" if columns.get("updated_at") in _TIME else None
    column, kind = None, "whole"
    if at is not None and columns.get("created_at") in _TIME:
        return TableMark("time", "created_at", at.isoformat(), changed, key)
    if len(key) == 1 and columns.get(key[0]) in _INTEGER:
        column, kind = key[0], "id"
    elif columns.get("created_at") in _TIME:
        column, kind = "created_at", "time"
    if column is None:
        return TableMark("whole", changed=changed, key=key)
    query = sql.SQL("select max({c}) from {t}").format(
        c=sql.Identifier(column), t=table_identifier(table)
    )
    found = conn.execute(query).fetchone()
    value = None if found is None or found[0] is None else found[0]
    text = value.isoformat() if isinstance(value, datetime.datetime) else value
    return TableMark(kind, column, None if text is None else str(text), changed, key)


def take_watermark(
    old: psycopg.Connection,
    tables: list[str],
    source: str,
    at: datetime.datetime | None = None,
    origins: tuple[str, str] = ("", ""),
) -> Watermark:
    """Each table's mark on old: now (the pre-cutover run), or at ``at`` (``--cutover-at``);
    `origins` are the (old, new) API origins it is taken on and for."""
    if at is None:
        row = old.execute("select now()").fetchone()
        moment = row[0] if row else datetime.datetime.now(datetime.UTC)
    else:
        moment = at
    marks = {table: _mark_of(old, table, at) for table in tables}
    return Watermark(moment.isoformat(), source, marks, *origins)


def write_watermark(path: Path, watermark: Watermark) -> None:
    """Write cutover.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(watermark.to_dict(), indent=2) + "\n", encoding="utf-8")


def read_watermark(path: Path) -> Watermark | None:
    """cutover.json if there is one; a damaged file is one clear line (ConfigError)."""
    if not path.is_file():
        return None
    try:
        return Watermark.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{path} is not a cutover watermark ({exc}); rerun the pre-cutover phase or "
            "give --cutover-at"
        ) from None


def _up_to_mark(mark: TableMark) -> sql.Composable:
    if mark.kind == "whole" or mark.column is None:
        return sql.SQL("true")
    if mark.value is None:
        return sql.SQL("false")
    cast = "numeric" if mark.kind == "id" else "timestamptz"
    return sql.SQL("t.{c} <= cast({v} as {k})").format(
        c=sql.Identifier(mark.column), v=sql.Literal(mark.value), k=sql.SQL(cast)
    )


def _key_text(mark: TableMark) -> sql.Composable:
    if len(mark.key) == 1:
        return sql.SQL("(t.{})::text").format(sql.Identifier(mark.key[0]))
    return sql.SQL("(row({}))::text").format(
        sql.SQL(", ").join(sql.Identifier("t", c) for c in mark.key)
    )


def compared_rows(scope: TableScope) -> sql.Composable:
    """The WHERE condition (on alias ``t``) of the rows compared on both sides."""
    condition = _up_to_mark(scope.mark)
    if scope.changed_keys and scope.mark.key:
        condition = sql.SQL("{} and not ({} = any({}))").format(
            condition, _key_text(scope.mark), sql.Literal(list(scope.changed_keys))
        )
    return condition


def scope_on(conn: psycopg.Connection, table: str, mark: TableMark, cutover_at: str) -> TableScope:
    """On one side (`conn`: new, or old for the rows it held at the cutover), count the rows
    created after the mark; list the keys of rows up to it that changed there since the
    cutover (they are left out of the comparison on both sides)."""
    if not relation_exists(conn, table):
        return TableScope(mark)
    up_to = _up_to_mark(mark)
    created = conn.execute(
        sql.SQL("select count(*) from {t} t where not coalesce({c}, false)").format(
            t=table_identifier(table), c=up_to
        )
    ).fetchone()
    changed: tuple[str, ...] = ()
    if mark.changed and mark.key and mark.kind != "whole":
        rows = conn.execute(
            sql.SQL("select {k} from {t} t where {c} and t.{u} > cast({at} as timestamptz)").format(
                k=_key_text(mark),
                t=table_identifier(table),
                c=up_to,
                u=sql.Identifier(mark.changed),
                at=sql.Literal(cutover_at),
            )
        ).fetchall()
        changed = tuple(str(r[0]) for r in rows)
    return TableScope(mark, int(created[0]) if created else 0, changed)


def rows_old_held_at_the_cutover(
    old: psycopg.Connection, watermark: Watermark
) -> dict[str, sql.Composable]:
    """Per table, the WHERE condition (alias ``t``) of the rows old held at the watermark and
    has not changed since (what the dump taken before the cutover holds of it): rows old took
    after it, from clients still resolving old, are left out, and so are rows changed on old
    since the cutover, on both sides."""
    return {
        table: compared_rows(scope_on(old, table, mark, watermark.cutover_at))
        for table, mark in watermark.tables.items()
    }


# Rows old took after the watermark that are looked up on new, per table (the first, by key).
LATE_ROWS_CHECKED = 10_000


def late_rows_missing_on_new(
    old: psycopg.Connection, new: psycopg.Connection, table: str, mark: TableMark
) -> tuple[list[str], int]:
    """The rows old holds beyond the table's mark (written on old after the watermark: before
    the switch, or by clients still resolving old's address) whose primary key new lacks, by
    key (up to LATE_ROWS_CHECKED of them looked up); and how many old holds beyond the mark.
    A table compared whole, or without a primary key, has none to look up."""
    if mark.kind == "whole" or not mark.key or not relation_exists(old, table):
        return [], 0
    late = [
        str(r[0])
        for r in old.execute(
            sql.SQL("select {k} from {t} t where not coalesce({c}, false) order by 1").format(
                k=_key_text(mark), t=table_identifier(table), c=_up_to_mark(mark)
            )
        ).fetchall()
    ]
    checked = late[:LATE_ROWS_CHECKED]
    if not checked:
        return [], 0
    found: set[str] = set()
    if relation_exists(new, table):
        found = {
            str(r[0])
            for r in new.execute(
                sql.SQL("select {k} from {t} t where {k} = any({keys})").format(
                    k=_key_text(mark), t=table_identifier(table), keys=sql.Literal(checked)
                )
            ).fetchall()
        }
    return [key for key in checked if key not in found], len(late)


def late_rows_lost(
    old: psycopg.Connection, new: psycopg.Connection, watermark: Watermark, tables: Iterable[str]
) -> list[str]:
    """One problem line per table with a mark whose rows old took after the watermark are not
    on new: writes made on old after the pre-cutover gate that the move to new lost."""
    problems = []
    for table in tables:
        mark = watermark.tables.get(table)
        if mark is None:
            continue
        missing, late = late_rows_missing_on_new(old, new, table, mark)
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            looked = (
                f" (the first {LATE_ROWS_CHECKED:,} of {late:,} looked up)"
                if late > LATE_ROWS_CHECKED
                else ""
            )
            problems.append(
                f"{len(missing)} row(s) of {table} that old took after the cutover watermark "
                f"are not on new{looked} (e.g. {shown}): writes made on old after the "
                "pre-cutover gate (before the switch, or by clients still on old) were lost"
            )
    return problems


def cutover_watermark(run: RunConfig) -> Watermark | None:
    """The watermark of this run. Pre-cutover: taken on old now and written to cutover.json.
    Post-cutover: ``--cutover-at`` (marks taken on old at that moment), else cutover.json
    from the pre-cutover run, else none (every row compared). Nightly: none."""
    old = run.comparison_target
    path = run.report_dir / CUTOVER_FILE
    if run.phase == "nightly":
        return None
    if run.phase == "pre-cutover" or run.cutover_at is not None:
        if old is None or not old.db_url:
            if run.cutover_at is not None:
                raise ConfigError(
                    "--cutover-at needs the old server (--compare-to with a db_url) to take "
                    "each table's mark"
                )
            return None
        origins = (origin_of(old.supabase_url), origin_of(run.target.supabase_url))
        try:
            with db.connect(old.db_url) as conn:
                tables = db.compared_tables(conn)
                if run.cutover_at is not None:
                    return take_watermark(conn, tables, "--cutover-at", run.cutover_at, origins)
                source = f"the pre-cutover run {run.run_id}"
                mark = take_watermark(conn, tables, source, origins=origins)
        except db.DatabaseUnreachable:
            return None  # the comparison foundation and data-parity report why
        write_watermark(path, mark)
        return mark
    found = read_watermark(path)
    wrong = None if found is None else found.mismatch(run.target, old)
    if wrong:
        raise ConfigError(
            f"{path} is not this cutover's watermark: {wrong}; rerun the pre-cutover phase "
            "with this --report-dir, or give --cutover-at"
        )
    return found


def objects_written_after(
    target: Target,
    watermark: Watermark | None,
    phase: str,
    buckets: Iterable[str],
    listing: Mapping[str, Mapping[str, StoredObject]] | None = None,
) -> dict[str, set[str]]:
    """Post-cutover with a watermark: per bucket, the objects new's ``storage.objects`` says
    were created or replaced after the cutover moment (users' uploads since the switch, on new
    only or not as on old, by design); without new's db_url, those new's Storage API
    `listing` (taken through the API) dates after it. Empty in any other phase, without a
    watermark, or with neither (then every object is compared)."""
    wanted = sorted(set(buckets))
    if phase != "post-cutover" or watermark is None or not wanted:
        return {}
    later: dict[str, set[str]] = {}
    if not target.db_url:
        for bucket in wanted:
            objects = (listing or {}).get(bucket, {})
            names = {n for n, o in objects.items() if o.written_after(watermark.cutover_at)}
            if names:
                later[bucket] = names
        return later
    with db.connect(target.db_url) as conn:
        rows = conn.execute(
            "select bucket_id, name from storage.objects where bucket_id = any(%s)"
            " and greatest(created_at, updated_at) > %s::timestamptz",
            (wanted, watermark.cutover_at),
        ).fetchall()
    for bucket, name in rows:
        later.setdefault(str(bucket), set()).add(str(name))
    return later
