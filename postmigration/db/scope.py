"""Which schemas are the app's: every schema except PostgreSQL's own and the Supabase platform's."""

from __future__ import annotations

import psycopg

# Schemas a Supabase project has whatever the app: their contents follow the platform's version,
# which may differ between two projects, so they are not the app's to compare object by object.
PLATFORM_SCHEMAS = frozenset(
    {
        "auth",
        "storage",
        "extensions",
        "graphql",
        "graphql_public",
        "realtime",
        "_realtime",
        "_analytics",
        "supabase_functions",
        "supabase_migrations",
        "vault",
        "pgsodium",
        "pgsodium_masks",
        "net",
        "cron",
        "pgbouncer",
        "pgtle",
        "information_schema",
    }
)


# The condition (on pg_proc `p`) that a function is the app's: one an extension brought
# (pg_depend 'e') is the extension's, compared by the extension's line (schema and version), so
# an extension moved to another schema is one finding, not one per function.
APP_FUNCTION = """not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
                                 and d.objid = p.oid and d.deptype = 'e')"""


def app_schemas(*conns: psycopg.Connection) -> tuple[str, ...]:
    """The schemas the app owns on any of `conns` (public and every custom schema), sorted."""
    found: set[str] = set()
    for conn in conns:
        rows = conn.execute(
            r"select nspname from pg_namespace where nspname not like 'pg\_%'"
        ).fetchall()
        found |= {r[0] for r in rows if r[0] not in PLATFORM_SCHEMAS}
    return tuple(sorted(found))
