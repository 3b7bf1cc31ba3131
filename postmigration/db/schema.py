"""Schema-parity: tables, columns, constraints, indexes, views, materialized views,
functions, triggers."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable

import psycopg

from postmigration.redact import excerpt, hide_token_like

from .scope import APP_FUNCTION

# Which triggers (pg_trigger `t` on table `c` in schema `n`) are the app's: those on the tables
# of its schemas and on auth.users, and on any other table (storage.objects, auth.identities…)
# those that call a function of the app's schemas. `supabase db dump` leaves the auth and storage
# schemas out, so the app's triggers there are what a move loses; the platform's own triggers on
# its tables call its own functions and change with its version, so they are not compared.
APP_TRIGGER = """not t.tgisinternal and (
            n.nspname = any(%(schemas)s) or (n.nspname, c.relname) = ('auth', 'users')
            or exists (select 1 from pg_proc f join pg_namespace fn on fn.oid = f.pronamespace
                       where f.oid = t.tgfoid and fn.nspname = any(%(schemas)s)))"""

# With `platform_only`, only the app's triggers on tables outside `schemas` (see
# platform_table_triggers); else every one.
ON_PLATFORM_TABLES = "(not %(platform_only)s or n.nspname <> all(%(schemas)s))"
# The categories that read the app's triggers.
TRIGGER_CATEGORIES = ("trigger", "trigger firing")

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
    # A view's query, as text: a difference is shown (see QUERIES); a snapshot keeps a digest.
    "view": """
        select format('%%I.%%I', schemaname, viewname), definition
        from pg_views where schemaname = any(%(schemas)s)
    """,
    "materialized view": """
        select format('%%I.%%I', schemaname, matviewname), definition
        from pg_matviews where schemaname = any(%(schemas)s)
    """,
    # A function's body, as a digest only: a body may hold a key, so none is ever shown.
    # The app's functions (an extension's own are the extension's: see APP_FUNCTION).
    "function": f"""
        select format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
               md5(pg_get_functiondef(p.oid))
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = any(%(schemas)s) and p.prokind in ('f', 'p')
          and {APP_FUNCTION}
    """,
    "trigger": rf"""
        select format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname),
               regexp_replace(
                 pg_get_triggerdef(t.oid),
                 -- a webhook's URL and key are the project's own: the webhooks item compares them
                 'supabase_functions\.http_request\(.*\)$', 'supabase_functions.http_request(…)')
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        where {APP_TRIGGER} and {ON_PLATFORM_TABLES}
    """,
    # When each trigger fires (pg_trigger.tgenabled, read from the catalogue: a pooled connection
    # opened before a change still behaves as before): O in normal operation, D never,
    # R only for replication, A always.
    "trigger firing": f"""
        select format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname), t.tgenabled::text
        from pg_trigger t
        join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace
        where {APP_TRIGGER} and {ON_PLATFORM_TABLES}
    """,
    # A foreign key is enforced by internal triggers on both its tables (ALTER TABLE ... DISABLE
    # TRIGGER ALL, as a restore may leave it, switches them off); one row per foreign key.
    "foreign key firing": """
        select format('%%I on %%I.%%I', con.conname, n.nspname, cl.relname),
               string_agg(distinct t.tgenabled::text, '' order by t.tgenabled::text)
        from pg_trigger t
        join pg_constraint con on con.oid = t.tgconstraint
        join pg_class cl on cl.oid = con.conrelid
        join pg_namespace n on n.oid = cl.relnamespace
        where t.tgisinternal and con.contype = 'f' and n.nspname = any(%(schemas)s)
        group by 1
    """,
}

# Categories whose definitions are queries, read as text: a difference names its first
# changed lines. A snapshot keeps only their digest (md5, as PostgreSQL's md5() writes it).
QUERIES = ("view", "materialized view")
_DIGEST = re.compile(r"[0-9a-f]{32}")
# How much of a changed query a finding shows, per side.
_SHOWN_CHARS = 160


def _digest(definition: str) -> str:
    return (
        definition
        if _DIGEST.fullmatch(definition)
        else hashlib.md5(definition.encode()).hexdigest()
    )


def _digests(definitions: dict[str, str]) -> dict[str, str]:
    return {key: _digest(definition) for key, definition in definitions.items()}


def digested(facts: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """`facts` (see :func:`schema_facts`) with each query replaced by its digest, as a
    snapshot keeps them: compact, and stable for review."""
    return {
        category: _digests(defs) if category in QUERIES else defs
        for category, defs in facts.items()
    }


def first_change(new_text: str, old_text: str, new_name: str, old_name: str) -> str:
    """How a query is defined differently on new, in words: the lines from where the two
    versions first differ, on each side (whitespace folded; values that look like keys hidden;
    cut to a readable length)."""
    new_lines, old_lines = new_text.splitlines(), old_text.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    _, o1, o2, n1, n2 = next(op for op in matcher.get_opcodes() if op[0] != "equal")

    def shown(lines: list[str]) -> str:
        text = " ".join(" ".join(line.split()) for line in lines)
        return repr(excerpt(hide_token_like(text), _SHOWN_CHARS)) if text else "nothing"

    on_new, on_old = shown(new_lines[n1:n2]), shown(old_lines[o1:o2])
    where = f"is defined differently on {new_name}: from line {n1 + 1},"
    if on_new == on_old:
        return f"{where} a value that looks like a key differs (not shown)"
    return f"{where} {new_name} has {on_new} where {old_name} has {on_old}"


# How a trigger fires, by pg_trigger.tgenabled, in the words of ALTER TABLE.
FIRING = {
    "O": "enabled",
    "D": "disabled",
    "R": "enabled only for replication (ENABLE REPLICA)",
    "A": "enabled always, in replication too (ENABLE ALWAYS)",
}


def _firing(states: str) -> str:
    words = [FIRING.get(state, state) for state in states]
    return words[0] if len(words) == 1 else f"partly {', partly '.join(words)}"


def schema_facts(
    conn: psycopg.Connection, schemas: tuple[str, ...] = ("public",)
) -> dict[str, dict[str, str]]:
    """Every category of CATALOG for `schemas` (and the triggers on auth.users), as key -> definition."""
    params = {"schemas": list(schemas), "platform_only": False}
    return {
        category: dict(conn.execute(query, params).fetchall())
        for category, query in CATALOG.items()
    }


def platform_table_triggers(
    conn: psycopg.Connection, schemas: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """The app's triggers on the platform's tables, outside its `schemas` (those on auth.users,
    and those on any table, such as storage.objects, that call a function of `schemas`), with
    how each fires: what a schema-only dump of the app's schemas leaves out. The categories
    and keys of :func:`schema_facts`, so :func:`schema_differences` compares them."""
    params = {"schemas": list(schemas), "platform_only": True}
    return {
        category: dict(conn.execute(CATALOG[category], params).fetchall())
        for category in TRIGGER_CATEGORIES
    }


def without_platform_triggers(
    facts: dict[str, dict[str, str]], schemas: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """`facts` (of :func:`schema_facts`) without the app's triggers on tables outside `schemas`
    (on auth.users, storage.objects…): :func:`platform_table_triggers` compares those once for
    all the app's schemas, so a custom schema's comparison does not name them again."""

    def on_own_table(key: str) -> bool:
        table = key.rpartition(" on ")[2]
        return table.partition(".")[0].strip('"') in schemas

    return {
        category: (
            {k: v for k, v in rows.items() if on_own_table(k)}
            if category in TRIGGER_CATEGORIES
            else rows
        )
        for category, rows in facts.items()
    }


def schema_differences(
    new: dict[str, dict[str, str]],
    old: dict[str, dict[str, str]],
    *,
    new_name: str = "new",
    old_name: str = "old",
) -> list[str]:
    """Objects missing from, added to, or different on new, in plain words (``new_name`` and
    ``old_name`` say what the two sides are, e.g. "the restored dump"). A category `old` does
    not hold at all (a snapshot taken before it was read) is not compared."""
    problems: list[str] = []
    for category in CATALOG:
        if category not in old:
            continue
        have, want = new.get(category, {}), old.get(category, {})
        if category.endswith(" firing"):
            problems += _firing_differences(
                category.removesuffix(" firing"), have, want, new_name, old_name
            )
            continue
        change = _each_side
        if category == "function":
            change = _function_change
        elif category in QUERIES:
            if any(_DIGEST.fullmatch(v) for v in (*have.values(), *want.values())):
                # A snapshot's side: compare digests, there is no text to show.
                have, want, change = _digests(have), _digests(want), _query_digest_change
            else:
                change = first_change
        problems += definition_differences(
            category, have, want, new_name=new_name, old_name=old_name, change=change
        )
    return problems


def _each_side(new: str, old: str, new_name: str, old_name: str) -> str:
    return f"differs: {new_name} has {new!r}, {old_name} has {old!r}"


def _function_change(new: str, old: str, new_name: str, old_name: str) -> str:
    return (
        f"is defined differently on {new_name}: its body on {new_name} is not {old_name}'s"
        " (not shown: a body may hold keys)"
    )


def _query_digest_change(new: str, old: str, new_name: str, old_name: str) -> str:
    return (
        f"is defined differently on {new_name}: its query on {new_name} is not the one in"
        f" {old_name} (which keeps only a digest)"
    )


def definition_differences(
    category: str,
    have: dict[str, str],
    want: dict[str, str],
    *,
    new_name: str = "new",
    old_name: str = "old",
    new_may_add: bool = False,
    change: Callable[[str, str, str, str], str] = _each_side,
) -> list[str]:
    """`category`'s objects missing from new, only on new (unless `new_may_add`), or defined
    differently there, in plain words; `have` is new's key -> definition, `want` old's.
    `change(new, old, new_name, old_name)` says how two definitions differ (by default, by
    each side's definition)."""
    problems = [
        f"{category} {k} is missing on {new_name}" for k in sorted(want.keys() - have.keys())
    ]
    if not new_may_add:
        problems += [
            f"{category} {k} exists on {new_name} but not on {old_name}"
            for k in sorted(have.keys() - want.keys())
        ]
    problems += [
        f"{category} {k} {change(have[k], want[k], new_name, old_name)}"
        for k in sorted(have.keys() & want.keys())
        if have[k] != want[k]
    ]
    return problems


def _firing_differences(
    kind: str, have: dict[str, str], want: dict[str, str], new_name: str, old_name: str
) -> list[str]:
    """Triggers (or foreign keys' triggers) present on both sides that fire differently on new;
    one missing on a side is already named by its definition's category."""
    problems = []
    for key in sorted(have.keys() & want.keys()):
        if have[key] != want[key]:
            on_old = "" if want[key] == "O" else f" (on {old_name}: {_firing(want[key])})"
            if kind == "trigger":
                problems.append(f"trigger {key} is {_firing(have[key])} on {new_name}{on_old}")
            else:
                problems.append(
                    f"foreign key {key} is not enforced as on {old_name}: its triggers are"
                    f" {_firing(have[key])} on {new_name}{on_old}"
                )
    return problems


def replication_role_settings(conn: psycopg.Connection) -> list[str]:
    """Where `session_replication_role = replica` is left set for new connections: on a database,
    a role or every role (pg_db_role_setting) or server-wide. In that mode no ordinary trigger
    and no foreign key fires. Read from the catalogue, not from behaviour: pooled connections
    opened before the change behave as before."""
    rows = conn.execute(
        """
        select d.datname, r.rolname, s.setconfig
        from pg_db_role_setting s
        left join pg_database d on d.oid = s.setdatabase
        left join pg_roles r on r.oid = s.setrole
        order by r.rolname nulls first, d.datname nulls first
        """
    ).fetchall()
    problems = []
    for database, role, settings in rows:
        if not any(_is_replica_mode(setting) for setting in settings or ()):
            continue
        if database and role:
            where, how = f"role {role} in database {database}", "ALTER ROLE … IN DATABASE … SET"
        elif role:
            where, how = f"role {role}", "ALTER ROLE … SET"
        elif database:
            where, how = f"database {database}", "ALTER DATABASE … SET"
        else:
            where, how = "every role, in every database,", "ALTER ROLE ALL SET"
        problems.append(f"{where} has session_replication_role = replica set ({how})")
    server = conn.execute(
        "select setting, source from pg_settings where name = 'session_replication_role'"
    ).fetchone()
    if server and server[0] == "replica" and server[1] in ("configuration file", "command line"):
        problems.append(f"the server has session_replication_role = replica set ({server[1]})")
    return problems


def _is_replica_mode(setting: str) -> bool:
    name, _, value = setting.partition("=")
    return (
        name.strip().lower() == "session_replication_role"
        and value.strip(" '\"").lower() == "replica"
    )
