"""Objects a restore or a migration left half-done on new: defined, but not usable as on old.

A materialized view: pg_restore fills each one last (its "MATERIALIZED VIEW DATA" entry, after
every table's rows); a restore that stopped early, or ran from a list without those entries,
leaves the view defined but never refreshed, and every read of it fails ("has not been
populated") until ``REFRESH MATERIALIZED VIEW`` runs.

An index: ``CREATE INDEX CONCURRENTLY`` (or ``REINDEX CONCURRENTLY``) that fails, as a migration
adding a unique index over duplicate rows does, leaves the index behind marked invalid. It is
kept up to date on every write but never used by a query, so the migration looks applied while
the lookups it was for scan the whole table.

A foreign key: PostgreSQL enforces it with internal triggers on its two tables. A data-only
restore made with ``--disable-triggers`` runs ``ALTER TABLE … DISABLE TRIGGER ALL`` before each
table's rows and ``ENABLE TRIGGER ALL`` after them; one that stops midway (``--exit-on-error``
on a duplicate row, say) leaves that table's triggers off, its foreign keys among them, and from
then on rows that break them are written without a word.
"""

from __future__ import annotations

import psycopg

from .schema import FIRING
from .scope import app_schemas


def materialized_views_without_data(conn: psycopg.Connection) -> list[str]:
    """Each materialized view of the app's schemas that was never refreshed, in plain words."""
    rows = conn.execute(
        """
        select format('%%I.%%I', schemaname, matviewname) from pg_matviews
        where not ispopulated and schemaname = any(%s) order by 1
        """,
        (list(app_schemas(conn)),),
    ).fetchall()
    return [
        f"materialized view {name} has no data (never refreshed): reading it fails until"
        f" REFRESH MATERIALIZED VIEW {name} runs"
        for (name,) in rows
    ]


def invalid_indexes(conn: psycopg.Connection) -> list[str]:
    """Each index of the app's schemas that is invalid, with its table, in plain words: left so
    by a concurrent build that failed (or, while one runs, not yet valid)."""
    rows = conn.execute(
        """
        select format('%%I.%%I', n.nspname, ic.relname), format('%%I.%%I', n.nspname, tc.relname)
        from pg_index i
        join pg_class ic on ic.oid = i.indexrelid join pg_class tc on tc.oid = i.indrelid
        join pg_namespace n on n.oid = ic.relnamespace
        where not i.indisvalid and n.nspname = any(%s) order by 1
        """,
        (list(app_schemas(conn)),),
    ).fetchall()
    return [
        f"index {index} on {table} is invalid (a concurrent build failed, or is still running):"
        " no query uses it; once no build runs, drop it and create it again"
        for index, table in rows
    ]


def foreign_keys_not_enforced(conn: psycopg.Connection) -> list[str]:
    """Each foreign key in the database whose enforcing triggers are switched off on one of its
    tables (disabled, or firing only for replication), in plain words: never a state a healthy
    database is in, so it needs no old server to tell."""
    rows = conn.execute(
        """
        select format('%I on %I.%I', con.conname, n.nspname, cl.relname),
               format('%I.%I', tn.nspname, tc.relname),
               string_agg(distinct t.tgenabled::text, '' order by t.tgenabled::text)
        from pg_trigger t
        join pg_constraint con on con.oid = t.tgconstraint
        join pg_class cl on cl.oid = con.conrelid
        join pg_namespace n on n.oid = cl.relnamespace
        join pg_class tc on tc.oid = t.tgrelid
        join pg_namespace tn on tn.oid = tc.relnamespace
        where t.tgisinternal and con.contype = 'f' and t.tgenabled in ('D', 'R')
        group by 1, 2 order by 1, 2
        """
    ).fetchall()
    return [
        f"foreign key {key} is not enforced: its triggers on {table} are"
        f" {' and '.join(FIRING.get(state, state) for state in states)}, so rows that break it"
        " are written (a data-only restore with --disable-triggers that stopped midway leaves"
        f" ALTER TABLE … DISABLE TRIGGER ALL in force); check the rows, then ALTER TABLE {table}"
        " ENABLE TRIGGER ALL"
        for key, table, states in rows
    ]
