"""Materialized views a restore left without data.

pg_restore fills each materialized view last (its "MATERIALIZED VIEW DATA" entry, after every
table's rows): a restore that stopped early, or ran from a list without those entries, leaves
the view defined but never refreshed, and every read of it fails ("has not been populated")
until ``REFRESH MATERIALIZED VIEW`` runs.
"""

from __future__ import annotations

import psycopg

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
