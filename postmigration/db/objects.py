"""Data-parity, the rest of the schema: what a restore carries besides tables and their rows.

Beside schema.py's tables, columns, constraints, indexes, views, function bodies and triggers:
the extensions with their schema and version, the app's schemas and their owners, each app
function's owner, security definer and settings (search_path), enums and their labels,
sequences' options, the auth and storage tables' columns, the publications and their tables.
Each category is one catalogue query run in the database; only definitions come back.
"""

from __future__ import annotations

import psycopg

from .schema import definition_differences
from .scope import APP_FUNCTION

# Each category: a query returning (key, definition) rows; keys name the object in plain words.
# `%(schemas)s` is the app's schemas (see scope.py).
OBJECT_CATALOG = {
    # Every extension, wherever it lives (Supabase keeps them in schema extensions).
    "extension": """
        select e.extname, format('in schema %%s, version %%s', n.nspname, e.extversion)
        from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    """,
    "schema": """
        select format('%%I', nspname), 'owned by ' || pg_get_userbyid(nspowner)
        from pg_namespace where nspname = any(%(schemas)s)
    """,
    # What a restore may change without touching the body (an extension's own functions are
    # the extension's: see APP_FUNCTION).
    "function": f"""
        select format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
               format('owned by %%s, security %%s, settings %%s',
                      pg_get_userbyid(p.proowner),
                      case when p.prosecdef then 'definer' else 'invoker' end,
                      coalesce(array_to_string(p.proconfig, ' '), 'none'))
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(%(schemas)s) and p.prokind in ('f', 'p')
          and {APP_FUNCTION}
    """,
    "enum": """
        select format('%%I.%%I', n.nspname, t.typname),
               'labels ' || string_agg(quote_literal(e.enumlabel), ', ' order by e.enumsortorder)
        from pg_enum e join pg_type t on t.oid = e.enumtypid
        join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = any(%(schemas)s)
        group by n.nspname, t.typname
    """,
    "sequence": """
        select format('%%I.%%I', n.nspname, c.relname),
               format('%%s start %%s increment %%s min %%s max %%s cache %%s%%s',
                      format_type(s.seqtypid, null), s.seqstart, s.seqincrement, s.seqmin,
                      s.seqmax, s.seqcache, case when s.seqcycle then ' cycle' else '' end)
        from pg_sequence s join pg_class c on c.oid = s.seqrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%(schemas)s)
    """,
    "auth or storage column": """
        select format('%%I.%%I.%%I', n.nspname, c.relname, a.attname),
               format('%%s %%s', format_type(a.atttypid, a.atttypmod),
                      case when a.attnotnull then 'not null' else 'null' end)
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('auth', 'storage') and c.relkind in ('r', 'p')
          and a.attnum > 0 and not a.attisdropped
    """,
    "publication": """
        select format('%%I', p.pubname),
               format('all tables %%s, publishes %%s', p.puballtables,
                      concat_ws(' ', case when p.pubinsert then 'insert' end,
                                case when p.pubupdate then 'update' end,
                                case when p.pubdelete then 'delete' end,
                                case when p.pubtruncate then 'truncate' end))
        from pg_publication p
    """,
    "published table": """
        select format('%%I.%%I in publication %%I', schemaname, tablename, pubname), 'published'
        from pg_publication_tables
    """,
}
# The platform's own: a newer platform on new may bring more extensions and more columns in
# its auth and storage tables, so only what old has is required of new.
NEW_MAY_ADD = frozenset({"extension", "auth or storage column"})


def object_facts(conn: psycopg.Connection, schemas: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Every category of OBJECT_CATALOG for the app's `schemas`, as key -> definition."""
    return {
        category: dict(conn.execute(query, {"schemas": list(schemas)}).fetchall())
        for category, query in OBJECT_CATALOG.items()
    }


def extension_lines(conn: psycopg.Connection) -> dict[str, str]:
    """Each installed extension -> `in schema <schema>, version <version>`."""
    return dict(conn.execute(OBJECT_CATALOG["extension"], {"schemas": []}).fetchall())


def object_differences(
    new: dict[str, dict[str, str]], old: dict[str, dict[str, str]], *, old_name: str = "old"
) -> list[str]:
    """Objects missing from, added to, or different on new, in plain words (``old_name`` says
    what old is, e.g. the committed snapshot)."""
    problems: list[str] = []
    for category in OBJECT_CATALOG:
        problems += definition_differences(
            category,
            new.get(category, {}),
            old.get(category, {}),
            old_name=old_name,
            new_may_add=category in NEW_MAY_ADD,
        )
    return problems
