"""Stored URLs that still point at an old origin, counted over every row of the app's URL columns.

With the database at hand (``db_url``) each column is one query counting inside PostgreSQL;
otherwise the REST API is paged through until every row has been read (PostgREST returns at
most "Max rows", 1,000 on Supabase, per request).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from postmigration import db
from postmigration.db.data import primary_key
from postmigration.origins import origin_of

__all__ = ["Scan", "StaleColumn", "scan_api", "scan_database", "scan_stored_urls"]

PAGE = 1000
SAMPLE = 3
# origin_of() in SQL: scheme://netloc of the value, lower-cased.
_ORIGIN_SQL = "substring(lower({col}) from '^[a-z][a-z0-9+.-]*://[^/?#]*')"


@dataclass(frozen=True)
class StaleColumn:
    """One URL column: how many rows still hold an old origin, and a few of them (ids, or
    the values themselves when the scan went through the API)."""

    table: str
    column: str
    count: int
    sample: tuple[str, ...]
    sample_kind: str

    def problem(self) -> str:
        """The finding in words: table, column, how many rows, and a sample."""
        rows = "1 row still points" if self.count == 1 else f"{self.count} rows still point"
        kind = self.sample_kind.rstrip("s") if len(self.sample) == 1 else self.sample_kind
        return (
            f"{self.table}.{self.column}: {rows} at an old origin ({kind} {', '.join(self.sample)})"
        )


@dataclass(frozen=True)
class Scan:
    """What a scan found, and how it read the rows (for the evidence)."""

    how: str
    stale: list[StaleColumn]


def _row_key(conn: psycopg.Connection, table: str) -> sql.Composable:
    """The table's primary key as text (columns joined by ','), or its ctid without one."""
    columns = primary_key(conn, f"public.{table}")
    if not columns:
        return sql.SQL("ctid::text")
    parts = [sql.SQL("{}::text").format(sql.Identifier(column)) for column in columns]
    return sql.SQL("concat_ws(',', {})").format(sql.SQL(", ").join(parts))


def scan_database(
    conn: psycopg.Connection, url_columns: Mapping[str, Sequence[str]], olds: Iterable[str]
) -> Scan:
    """Per URL column, one query counting (inside the database, every row) the values whose
    origin is an old one, with a sample of their row ids."""
    origins = sorted(set(olds))
    stale: list[StaleColumn] = []
    for table, columns in url_columns.items():
        key = _row_key(conn, table)
        for column in columns:
            origin = sql.SQL(_ORIGIN_SQL).format(col=sql.Identifier(column))
            query = sql.SQL(
                "select count(*) over (), {key} from {table} where {origin} = any(%s) "
                "order by 2 limit %s"
            ).format(key=key, table=sql.Identifier("public", table), origin=origin)
            rows = conn.execute(query, (origins, SAMPLE)).fetchall()
            if rows:
                ids = tuple(str(r[1]) for r in rows)
                stale.append(StaleColumn(table, column, int(rows[0][0]), ids, "ids"))
    how = (
        "every row, counted inside the database: one query per URL column ("
        + ", ".join(f"{t}.{c}" for t, cs in url_columns.items() for c in cs)
        + ")"
    )
    return Scan(how, stale)


def scan_api(client: Any, url_columns: Mapping[str, Sequence[str]], olds: Iterable[str]) -> Scan:
    """Per table, every row read through the REST API (supabase-py, pages of 1,000 in a fixed
    order, until the exact row count is reached), and the values with an old origin counted."""
    old = set(olds)
    stale: list[StaleColumn] = []
    read: list[str] = []
    for table, columns in url_columns.items():
        found: dict[str, list[str]] = {column: [] for column in columns}
        count = 0
        for page in _pages(client, table, columns):
            count += len(page)
            for row in page:
                for column in columns:
                    value = str(row.get(column) or "")
                    if origin_of(value) in old:
                        found[column].append(value)
        read.append(f"{table}: {count} row{'' if count == 1 else 's'}")
        stale += [
            StaleColumn(table, column, len(values), tuple(values[:SAMPLE]), "e.g.")
            for column, values in found.items()
            if values
        ]
    return Scan("every row, paged through the REST API: " + ", ".join(read), stale)


def _pages(client: Any, table: str, columns: Sequence[str]) -> Iterator[list[dict[str, Any]]]:
    """Every row of `table` (only `columns`), page by page until the exact count is read.

    Ordered by all the selected columns: rows that tie are identical in what is read, so a
    page boundary can neither skip nor repeat a value.
    """
    done = 0
    while True:
        query = client.table(table).select(",".join(columns), count="exact")
        for column in columns:
            query = query.order(column, nullsfirst=True)
        answer = query.range(done, done + PAGE - 1).execute()
        if answer.data:
            yield answer.data
        done += len(answer.data)
        if not answer.data or (answer.count is not None and done >= answer.count):
            return


def scan_stored_urls(
    db_url: str | None,
    client: Any,
    url_columns: Mapping[str, Sequence[str]],
    olds: Iterable[str],
) -> Scan:
    """Every row of the URL columns: in the database when `db_url` is set and answers, else
    through the API with `client` (the scan's `how` says which, and why)."""
    if db_url:
        try:
            with db.connect(db_url) as conn:
                return scan_database(conn, url_columns, olds)
        except db.DatabaseUnreachable as exc:
            scan = scan_api(client, url_columns, olds)
            return Scan(f"{scan.how} (not in the database: {exc})", scan.stale)
    return scan_api(client, url_columns, olds)
