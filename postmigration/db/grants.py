"""Grants, compared with old: who may do what on the app's schemas, tables, columns, sequences
and functions, and the default privileges that decide what later objects get.

Each query reads the catalogue inside the database and returns one line per (object, grantee):
the object in plain words and the privileges held, sorted. The owner's own privileges are left
out (a restore with --no-owner may change who owns things; `schema-parity` compares the owners of
schemas and functions).

A privilege one side's server cannot have is not compared (see privileges_not_compared): on
PostgreSQL 17, `GRANT ALL` and Supabase's default privileges include MAINTAIN, which a PostgreSQL
15 old cannot grant, so every table would otherwise show it as gained.
"""

from __future__ import annotations

from collections.abc import Mapping

import psycopg

from .scope import APP_FUNCTION

# `%(schemas)s` is the app's schemas (see scope.py); a grantee of 0 is PUBLIC.
_GRANTEE = "case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end"
PRIVILEGE_CATALOG = {
    "schema": f"""
        select format('schema %%I to %%s', n.nspname, {_GRANTEE}),
               string_agg(a.privilege_type, ', ' order by a.privilege_type)
        from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
        where n.nspname = any(%(schemas)s) and a.grantee <> n.nspowner
        group by 1
    """,
    "relation": f"""
        select format('%%s %%I.%%I to %%s',
                      case c.relkind when 'S' then 'sequence' when 'v' then 'view'
                                     when 'm' then 'materialized view' else 'table' end,
                      n.nspname, c.relname, {_GRANTEE}),
               string_agg(a.privilege_type, ', ' order by a.privilege_type)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace,
             aclexplode(coalesce(c.relacl, acldefault(
               case c.relkind when 'S' then 's' else 'r' end::"char", c.relowner))) a
        where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
          and a.grantee <> c.relowner
        group by 1
    """,
    "column": f"""
        select format('column %%I.%%I.%%I to %%s', n.nspname, c.relname, att.attname, {_GRANTEE}),
               string_agg(a.privilege_type, ', ' order by a.privilege_type)
        from pg_attribute att join pg_class c on c.oid = att.attrelid
        join pg_namespace n on n.oid = c.relnamespace, aclexplode(att.attacl) a
        where n.nspname = any(%(schemas)s) and att.attacl is not null and att.attnum > 0
          and a.grantee <> c.relowner
        group by 1
    """,
    "function": f"""
        select format('function %%I.%%I(%%s) to %%s', n.nspname, p.proname,
                      pg_get_function_identity_arguments(p.oid), {_GRANTEE}),
               string_agg(a.privilege_type, ', ' order by a.privilege_type)
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
             aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
        where n.nspname = any(%(schemas)s) and a.grantee <> p.proowner
          and {APP_FUNCTION}
        group by 1
    """,
    "default": f"""
        select format('default privileges of %%s%%s for future %%s to %%s',
                      pg_get_userbyid(d.defaclrole),
                      coalesce(' in schema ' || quote_ident(n.nspname), ''),
                      case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences'
                        when 'f' then 'functions' when 'T' then 'types' else 'schemas' end,
                      {_GRANTEE}),
               string_agg(a.privilege_type, ', ' order by a.privilege_type)
        from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace,
             aclexplode(d.defaclacl) a
        where (n.nspname is null or n.nspname = any(%(schemas)s))
          and a.grantee <> d.defaclrole
        group by 1
    """,
}


# Privileges PostgreSQL added, with the first server_version_num that has each.
PRIVILEGE_SINCE = {"MAINTAIN": 170000}


class Privileges(dict[str, str]):
    """privileges()'s answer, with the server_version_num of the server it was read on."""

    def __init__(self, found: Mapping[str, str], *, server_version_num: int) -> None:
        super().__init__(found)
        self.server_version_num = server_version_num


def privileges(conn: psycopg.Connection, schemas: tuple[str, ...]) -> Privileges:
    """Every grant on the app's schemas and their objects, and every default privilege there:
    `"<object> to <grantee>"` -> the privileges held, e.g. `"DELETE, INSERT, SELECT"`; with
    the server's version (`SHOW server_version_num`, as the server reported it on connecting)."""
    found: dict[str, str] = {}
    for query in PRIVILEGE_CATALOG.values():
        found.update(conn.execute(query, {"schemas": list(schemas)}).fetchall())
    return Privileges(found, server_version_num=conn.info.server_version)


def _held(granted: str) -> set[str]:
    return set(filter(None, granted.split(", ")))


def _holds_anywhere(side: Mapping[str, str], privilege: str) -> bool:
    return any(privilege in _held(granted) for granted in side.values())


def _can_grant(side: Mapping[str, str], privilege: str, since: int) -> bool:
    """Whether `side`'s server has `privilege`: by its version when known (read from a
    server); otherwise (a committed snapshot records none) by whether it holds it anywhere."""
    if isinstance(side, Privileges):
        return side.server_version_num >= since
    return _holds_anywhere(side, privilege)


def _server(name: str, side: Mapping[str, str], privilege: str) -> str:
    if isinstance(side, Privileges):
        version = side.server_version_num
        return f"{name} runs PostgreSQL {version // 10000}.{version % 10000}"
    held = "holds it" if _holds_anywhere(side, privilege) else "holds it nowhere"
    return f"{name} {held} (no server version recorded)"


def privileges_not_compared(
    new: Mapping[str, str], old: Mapping[str, str], *, old_name: str = "old"
) -> dict[str, str]:
    """The privileges left out of the comparison, each -> why in plain words: those only one
    side's server can have (PRIVILEGE_SINCE), so that a privilege old cannot express is never
    named as gained on new, nor one new cannot express as lost. A side read from a server
    (privileges()) is judged by its version; one without a version, such as the committed
    snapshot, is taken as from a server without the privilege when it holds it nowhere."""
    return {
        privilege: (
            f"{privilege} is not compared: PostgreSQL {since // 10000} added it, and "
            f"{_server('new', new, privilege)}, {_server(old_name, old, privilege)}"
        )
        for privilege, since in PRIVILEGE_SINCE.items()
        if _can_grant(new, privilege, since) != _can_grant(old, privilege, since)
    }


# Tables first (where data leaks), then what surrounds them.
_ORDER = ("table", "view", "materialized", "column", "sequence", "function", "schema", "default")


def _reading_order(key: str) -> tuple[int, str]:
    kind = key.partition(" ")[0]
    return (_ORDER.index(kind) if kind in _ORDER else len(_ORDER), key)


def privilege_differences(
    new: Mapping[str, str], old: Mapping[str, str], *, old_name: str = "old"
) -> list[str]:
    """Grants old had that new lacks, and grants new has that old had revoked, in plain words
    (``old_name`` says what old is, e.g. the committed snapshot); a privilege only one side's
    server can have is left out on both sides (privileges_not_compared)."""
    left_out = set(privileges_not_compared(new, old, old_name=old_name))
    problems: list[str] = []
    for key in sorted(old.keys() | new.keys(), key=_reading_order):
        what, _, grantee = key.rpartition(" to ")
        have = _held(new.get(key, "")) - left_out
        want = _held(old.get(key, "")) - left_out
        if want - have:
            problems.append(
                f"{grantee} lacks {', '.join(sorted(want - have))} on {what} ({old_name} grants it)"
            )
        if have - want:
            problems.append(
                f"{grantee} holds {', '.join(sorted(have - want))} on {what}, which {old_name} does not grant"
            )
    return problems
