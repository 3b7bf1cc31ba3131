"""Stored URLs that name old's origin, rewritten to new's.

The app keeps full public URLs (`getPublicUrl()`) in its tables: thumbnails, avatars, the hero
video, the playlist. The written playbook has no line for them, yet after the cutover they
would still load from the old server; this step is the fix a careful operator adds.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

TEXT_COLUMNS = """
    select c.table_name, c.column_name from information_schema.columns c
    join information_schema.tables t using (table_schema, table_name)
    where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and c.data_type in ('text', 'character varying') and c.is_generated = 'NEVER'
    order by 1, 2
"""


def rewrite_origins(db_url: str, old_origin: str, new_origin: str) -> str:
    """Replace the `old_origin` prefix of every public text value with `new_origin`."""
    old_prefix = old_origin.rstrip("/") + "/"
    new_prefix = new_origin.rstrip("/") + "/"
    changed: dict[str, int] = {}
    with psycopg.connect(db_url) as conn, conn.transaction():
        # a data fix-up, not an app change: triggers (updated_at, admin log) must not fire
        conn.execute("set local session_replication_role = replica")
        for table, column in conn.execute(TEXT_COLUMNS).fetchall():
            count = conn.execute(
                sql.SQL(
                    "update public.{t} set {c} = %s || substr({c}, %s) where starts_with({c}, %s)"
                ).format(t=sql.Identifier(table), c=sql.Identifier(column)),
                (new_prefix, len(old_prefix) + 1, old_prefix),
            ).rowcount
            if count:
                changed[f"{table}.{column}"] = changed.get(f"{table}.{column}", 0) + count
    detail = ", ".join(f"{name} {n}" for name, n in changed.items()) or "none"
    return f"{sum(changed.values())} stored URLs moved to {new_origin} ({detail})"
