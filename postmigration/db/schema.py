"""Data-parity, schema half: tables, columns, constraints, indexes, views, functions, triggers."""

from __future__ import annotations

import psycopg

# Each category: a query returning (key, definition) rows; keys name the object in plain words.
CATALOG = {
    "column": """
        select format('%%I.%%I.%%I', c.table_schema, c.table_name, c.column_name),
               format('%%s %%s default %%s', format_type(a.atttypid, a.atttypmod),
                      case when c.is_nullable = 'YES' then 'null' else 'not null' end,
                      coalesce(c.column_default, 'none'))
        from information_schema.columns c
        join pg_attribute a on a.attrelid = format('%%I.%%I', c.table_schema, c.table_name)::regclass
                           and a.attname = c.column_name
        where c.table_schema = any(%(schemas)s)
    """,
    "table": """
        select format('%%I.%%I', n.nspname, c.relname),
               case c.relkind when 'r' then 'table' when 'p' then 'partitioned table' end
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = any(%(schemas)s)
    """,
    "constraint": """
        select format('%%s on %%I.%%I', con.conname, n.nspname, cl.relname),
               pg_get_constraintdef(con.oid)
        from pg_constraint con
        join pg_class cl on cl.oid = con.conrelid
        join pg_namespace n on n.oid = cl.relnamespace
        where n.nspname = any(%(schemas)s)
    """,
    "index": """
        select format('%%I.%%I', schemaname, indexname), indexdef
        from pg_indexes where schemaname = any(%(schemas)s)
    """,
    "view": """
        select format('%%I.%%I', schemaname, viewname), md5(definition)
        from pg_views where schemaname = any(%(schemas)s)
    """,
    "function": """
        select format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
               md5(pg_get_functiondef(p.oid))
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(%(schemas)s) and p.prokind in ('f', 'p')
    """,
    "trigger": r"""
        select format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname),
               case t.tgenabled when 'D' then 'disabled: ' else '' end || regexp_replace(
                 pg_get_triggerdef(t.oid),
                 -- a webhook's URL and key are the project's own: the webhooks item compares them
                 'supabase_functions\.http_request\(.*\)$', 'supabase_functions.http_request(…)')
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        where not t.tgisinternal and (n.nspname = any(%(schemas)s) or (n.nspname, c.relname) = ('auth', 'users'))
    """,
}


def schema_facts(
    conn: psycopg.Connection, schemas: tuple[str, ...] = ("public",)
) -> dict[str, dict[str, str]]:
    """Every category of CATALOG for `schemas` (and the triggers on auth.users), as key -> definition."""
    return {
        category: dict(conn.execute(query, {"schemas": list(schemas)}).fetchall())
        for category, query in CATALOG.items()
    }


def schema_differences(new: dict[str, dict[str, str]], old: dict[str, dict[str, str]]) -> list[str]:
    """Objects missing from, added to, or different on new, in plain words."""
    problems: list[str] = []
    for category in CATALOG:
        have, want = new.get(category, {}), old.get(category, {})
        problems += [f"{category} {k} is missing on new" for k in sorted(want.keys() - have.keys())]
        problems += [
            f"{category} {k} exists on new but not on old"
            for k in sorted(have.keys() - want.keys())
        ]
        for key in sorted(have.keys() & want.keys()):
            if have[key] != want[key]:
                if category == "trigger" and have[key].startswith("disabled: "):
                    problems.append(f"trigger {key} is disabled on new")
                else:
                    problems.append(
                        f"{category} {key} differs: new has {have[key]!r}, old has {want[key]!r}"
                    )
    return problems
