"""Data-parity, the rest of the schema: what a restore carries besides tables and their rows.

Beside schema.py's tables, columns, constraints, indexes, views, function bodies and triggers:
the extensions with their schema and version, the app's schemas and their owners, each app
function's owner, security definer and settings (search_path), enums and their labels, each
table's replica identity (what Realtime's events carry of the old row), whose rights each view
reads its tables with (security_invoker), the app's event triggers, sequences' options, the
auth and storage tables' columns, the publications and their tables (with the columns and rows
each keeps of a table, where it narrows them). Each category is one catalogue query run in the database; only
definitions come back.

Two things a clean migration changes are not differences: an extension's version (on hosted
Supabase it follows each project's Postgres image and does not upgrade itself; see
extension_version_differences), and the platform's own publication of Realtime's messages
(PLATFORM_PUBLICATION), whose daily partitions change from day to day.
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
    # What Realtime's update and delete events carry of the old row (REPLICA IDENTITY): set
    # with ALTER TABLE, so a table re-created by a migration, or in the dashboard, has the
    # default again.
    "replica identity of table": """
        select format('%%I.%%I', n.nspname, c.relname),
               case c.relreplident
                 when 'f' then 'full: update and delete events carry the whole old row'
                 when 'n' then 'nothing: update and delete events carry no old row'
                 when 'i' then coalesce('the columns of index ' || (
                   select format('%%I', ic.relname) from pg_index i
                   join pg_class ic on ic.oid = i.indexrelid
                   where i.indrelid = c.oid and i.indisreplident), 'an index')
                 else 'default: update and delete events carry the primary key only' end
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = any(%(schemas)s)
    """,
    # Whose rights a view reads its tables with: `with (security_invoker = true)` is an option
    # of the view, and CREATE OR REPLACE VIEW without it (a query re-run in the SQL editor)
    # replaces the options with none, so the view reads as its owner, past the caller's RLS.
    "security of view": """
        select format('%%I.%%I', n.nspname, c.relname),
               case when exists (select 1 from pg_options_to_table(c.reloptions)
                                 where option_name = 'security_invoker'
                                   and lower(option_value) in ('true', 'on', 'yes', '1'))
                    then 'runs as the caller (security_invoker): the RLS policies of the tables'
                         || ' it reads apply to the caller'
                    else 'runs as its owner (no security_invoker): the RLS policies of the'
                         || ' tables it reads do not apply to the caller' end
               || case when exists (select 1 from pg_options_to_table(c.reloptions)
                                    where option_name = 'security_barrier'
                                      and lower(option_value) in ('true', 'on', 'yes', '1'))
                       then '; security_barrier' else '' end
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind = 'v' and n.nspname = any(%(schemas)s)
    """,
    # The app's event triggers (those running one of its functions): database-wide objects,
    # so a dump of the app's schemas leaves them out, and only a superuser may create one, so
    # a restore run as another role fails on them.
    "event trigger": """
        select format('%%I', e.evtname),
               format('on %%s%%s, runs %%s, %%s', e.evtevent,
                      coalesce(' for ' || array_to_string(e.evttags, ', '), ''),
                      format('%%I.%%I()', n.nspname, p.proname),
                      case e.evtenabled when 'D' then 'disabled'
                                        when 'R' then 'enabled for replication only'
                                        when 'A' then 'enabled always'
                                        else 'enabled' end)
        from pg_event_trigger e join pg_proc p on p.oid = e.evtfoid
        join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(%(schemas)s)
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
    # With the columns and rows a publication keeps of a table, where it narrows them
    # (PostgreSQL 15: a column list, a row filter): what Realtime's events carry.
    "published table": """
        select format('%%I.%%I in publication %%I', t.schemaname, t.tablename, t.pubname),
               'published'
               || case when r.prattrs is not null
                       then format(' (columns %%s only)', array_to_string(t.attnames, ', '))
                       else '' end
               || coalesce(' where ' || t.rowfilter, '')
        from pg_publication_tables t
        join pg_publication p on p.pubname = t.pubname
        left join pg_publication_rel r
          on r.prpubid = p.oid and r.prrelid = format('%%I.%%I', t.schemaname, t.tablename)::regclass
    """,
}
# Before PostgreSQL 15 a publication takes whole tables: no column list, no row filter.
PUBLISHED_TABLE_BEFORE_15 = """
    select format('%%I.%%I in publication %%I', schemaname, tablename, pubname), 'published'
    from pg_publication_tables
"""
# The platform's own: a newer platform on new may bring more extensions and more columns in
# its auth and storage tables, so only what old has is required of new.
NEW_MAY_ADD = frozenset({"extension", "auth or storage column"})

# Supabase's publication of Realtime's broadcast messages: it publishes realtime.messages' daily
# partitions (realtime.messages_YYYY_MM_DD), different each day on every project. The realtime
# item compares the app's publication, supabase_realtime, on its own.
PLATFORM_PUBLICATION = "supabase_realtime_messages_publication"
DAILY_PARTITIONS = "realtime.messages_"


def _platform_own(category: str, key: str) -> bool:
    """Whether `key` is the platform's publication of Realtime's messages, a table it publishes,
    or one of realtime.messages' daily partitions in any publication."""
    if category == "publication":
        return key == PLATFORM_PUBLICATION
    if category == "published table":
        table, _, publication = key.partition(" in publication ")
        return publication == PLATFORM_PUBLICATION or table.startswith(DAILY_PARTITIONS)
    return False


def _compared(category: str, facts: dict[str, str]) -> dict[str, str]:
    """`category`'s facts without the platform's own publication and partitions."""
    return {key: line for key, line in facts.items() if not _platform_own(category, key)}


def object_facts(conn: psycopg.Connection, schemas: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Every category of OBJECT_CATALOG for the app's `schemas`, as key -> definition (the
    platform's own publication and partitions left out, so a snapshot does not change daily)."""
    return {
        category: _compared(
            category,
            dict(conn.execute(_query_on(conn, category), {"schemas": list(schemas)}).fetchall()),
        )
        for category in OBJECT_CATALOG
    }


def _query_on(conn: psycopg.Connection, category: str) -> str:
    """`category`'s query for `conn`'s server version."""
    if category == "published table" and conn.info.server_version < 150000:
        return PUBLISHED_TABLE_BEFORE_15
    return OBJECT_CATALOG[category]


def extension_lines(conn: psycopg.Connection) -> dict[str, str]:
    """Each installed extension -> `in schema <schema>, version <version>`."""
    return dict(conn.execute(OBJECT_CATALOG["extension"], {"schemas": []}).fetchall())


def _in_schema(extension_line: str) -> str:
    """`in schema extensions, version 1.1` -> `in schema extensions`."""
    return extension_line.partition(", version ")[0]


def _version(extension_line: str) -> str:
    """`in schema extensions, version 1.1` -> `1.1`."""
    return extension_line.partition(", version ")[2]


def _in_the_same_schema(have: dict[str, str], want: dict[str, str]) -> set[str]:
    """The extensions on both sides, in the same schema on each (at any version)."""
    return {
        name
        for name in have.keys() & want.keys()
        if _in_schema(have[name]) == _in_schema(want[name])
    }


def object_differences(
    new: dict[str, dict[str, str]], old: dict[str, dict[str, str]], *, old_name: str = "old"
) -> list[str]:
    """Objects missing from, added to, or different on new, in plain words (``old_name`` says
    what old is, e.g. the committed snapshot). An extension is compared by name and schema: one
    missing on new, or in another schema, is named with both sides' lines; one at another
    version only is not a difference (extension_version_differences names it). The platform's
    own publication of Realtime's messages and realtime.messages' daily partitions are left out
    on both sides (an older snapshot may still hold them). A category `old` does not hold at
    all (a snapshot taken before it was read) is not compared."""
    problems: list[str] = []
    for category in OBJECT_CATALOG:
        if category not in old:
            continue  # a snapshot taken before the category was read
        have = _compared(category, new.get(category, {}))
        want = _compared(category, old.get(category, {}))
        if category == "extension":
            # where only the version differs, old's line is taken as new's
            same = _in_the_same_schema(have, want)
            want = {name: have[name] if name in same else line for name, line in want.items()}
        problems += definition_differences(
            category, have, want, old_name=old_name, new_may_add=category in NEW_MAY_ADD
        )
    return problems


def extension_version_differences(
    new: dict[str, dict[str, str]], old: dict[str, dict[str, str]], *, old_name: str = "old"
) -> list[str]:
    """Extensions in the same schema on both sides but at another version on new, in plain
    words: for the evidence, never a failure (on hosted Supabase the versions of pg_graphql,
    pg_net, Vault, pg_cron... follow each project's Postgres image)."""
    have, want = new.get("extension", {}), old.get("extension", {})
    return [
        f"extension {name} is at version {_version(have[name])} on new,"
        f" {_version(want[name])} on {old_name} (a version is not compared)"
        for name in sorted(_in_the_same_schema(have, want))
        if have[name] != want[name]
    ]
