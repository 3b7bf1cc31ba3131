"""Data-parity, schema half: everything the app owns in the database, compared with old.

The app's schemas (public and every custom one, see scope.py): tables, columns, constraints,
indexes, views, functions (owner, security definer, search_path, body), triggers, enums and
their labels, sequences' options. Beyond them: the auth and storage tables' columns, the
triggers on auth.users, the extensions with their schema and version, the publications' tables.
Each category is one catalogue query run in the database; only definitions come back.
"""

from __future__ import annotations

import psycopg

# Each category: a query returning (key, definition) rows; keys name the object in plain words.
# `%(schemas)s` is the app's schemas.
CATALOG = {
    "schema": """
        select format('%%I', nspname), 'owned by ' || pg_get_userbyid(nspowner)
        from pg_namespace where nspname = any(%(schemas)s)
    """,
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
    # The platform's tables: a column old has must be on new as it was (a newer platform may
    # add columns, so extra ones on new are not reported).
    "auth or storage column": """
        select format('%%I.%%I.%%I', n.nspname, c.relname, a.attname),
               format('%%s %%s', format_type(a.atttypid, a.atttypmod),
                      case when a.attnotnull then 'not null' else 'null' end)
        from pg_attribute a join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('auth', 'storage') and c.relkind in ('r', 'p')
          and a.attnum > 0 and not a.attisdropped
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
        select format('%%I.%%I', schemaname, viewname), 'definition md5 ' || md5(definition)
        from pg_views where schemaname = any(%(schemas)s)
    """,
    # Owner, security definer and search_path spelled out (a restore may change them without
    # touching the body); the body and the rest of the definition as a hash.
    "function": """
        select format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
               format('owned by %%s, security %%s, settings %%s, definition md5 %%s',
                      pg_get_userbyid(p.proowner),
                      case when p.prosecdef then 'definer' else 'invoker' end,
                      coalesce(array_to_string(p.proconfig, ' '), 'none'),
                      md5(pg_get_functiondef(p.oid)))
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(%(schemas)s) and p.prokind in ('f', 'p')
          and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
                          and d.objid = p.oid and d.deptype = 'e')
    """,
    "trigger": """
        select format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname),
               case t.tgenabled when 'D' then 'disabled: ' else '' end || pg_get_triggerdef(t.oid)
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        where not t.tgisinternal and (n.nspname = any(%(schemas)s) or (n.nspname, c.relname) = ('auth', 'users'))
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
    # Every extension, wherever it lives: a newer platform may bring more, so extra ones on
    # new are not reported.
    "extension": """
        select e.extname, format('in schema %%s, version %%s', n.nspname, e.extversion)
        from pg_extension e join pg_namespace n on n.oid = e.extnamespace
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
# Categories where new may legitimately hold more than old (the platform's own additions).
NEW_MAY_ADD = frozenset({"auth or storage column", "extension"})


def schema_facts(
    conn: psycopg.Connection, schemas: tuple[str, ...] = ("public",)
) -> dict[str, dict[str, str]]:
    """Every category of CATALOG for the app's `schemas`, as key -> definition."""
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
        if category not in NEW_MAY_ADD:
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
