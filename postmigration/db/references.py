"""Stale references to the old project: definitions in the database that still name it.

Each source is one query over a catalogue, run in the database: it returns only the objects
whose text contains one of the needles (old's origins, its host, its project ref), so nothing
but the findings comes back. Another source (cron commands, Vault values, webhook URLs) is one
more entry in SOURCES. Besides definitions, the settings of the roles and of the database
(``ALTER ROLE/DATABASE … SET``, ``ALTER ROLE ALL SET``) are searched: a restore does not carry
them, but a move that copies them from old copies old's URLs with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

import psycopg

from .role_settings import SETTING_HOLDER, SETTINGS_HERE

# source -> a query returning (object in plain words, needle found); `%(needles)s` are the
# lower-cased strings to look for, `%(schemas)s` the app's schemas.
SOURCES = {
    "function body": """
        select format('function %%I.%%I(%%s)', n.nspname, p.proname,
                      pg_get_function_identity_arguments(p.oid)), needle
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace,
             unnest(%(needles)s::text[]) needle
        where n.nspname = any(%(schemas)s) and p.prokind in ('f', 'p')
          and strpos(lower(p.prosrc), needle) > 0
    """,
    "trigger definition": """
        select format('trigger %%I on %%I.%%I', t.tgname, n.nspname, c.relname), needle
        from pg_trigger t join pg_class c on c.oid = t.tgrelid
        join pg_namespace n on n.oid = c.relnamespace, unnest(%(needles)s::text[]) needle
        where not t.tgisinternal and strpos(lower(pg_get_triggerdef(t.oid)), needle) > 0
    """,
    "column default": """
        select format('the default of column %%I.%%I.%%I', n.nspname, c.relname, a.attname), needle
        from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
        join pg_class c on c.oid = d.adrelid join pg_namespace n on n.oid = c.relnamespace,
             unnest(%(needles)s::text[]) needle
        where n.nspname = any(%(schemas)s)
          and strpos(lower(pg_get_expr(d.adbin, d.adrelid)), needle) > 0
    """,
    "view definition": """
        select format('view %%I.%%I', n.nspname, c.relname), needle
        from pg_class c join pg_namespace n on n.oid = c.relnamespace,
             unnest(%(needles)s::text[]) needle
        where c.relkind in ('v', 'm') and n.nspname = any(%(schemas)s)
          and strpos(lower(pg_get_viewdef(c.oid)), needle) > 0
    """,
    # ALTER DATABASE/ROLE … SET: a trigger reads such a URL with current_setting(). Settings of
    # every role (in every database, or in this one), this database's own and those of every
    # role (ALTER ROLE ALL SET); the finding names the setting, never its value (app.* settings
    # may hold keys).
    "role or database setting": f"""
        select {SETTING_HOLDER} || ': ' || split_part(e.entry, '=', 1), needle
        from pg_db_role_setting s left join pg_roles r on r.oid = s.setrole,
             unnest(s.setconfig) e(entry), unnest(%(needles)s::text[]) needle
        where {SETTINGS_HERE}
          and strpos(lower(substr(e.entry, strpos(e.entry, '=') + 1)), needle) > 0
    """,
}


def project_ref(url: str) -> str | None:
    """The project ref a hosted Supabase URL names: `https://<ref>.supabase.co`, a database at
    `db.<ref>.supabase.co`, or the pooler's user `postgres.<ref>`; else None."""
    parts = urlsplit(url if "://" in url else f"//{url}")
    host = (parts.hostname or "").lower()
    if host.endswith(".pooler.supabase.com"):
        user, _, ref = (parts.username or "").partition(".")
        return ref.lower() if user and ref else None
    labels = host.removeprefix("db.").split(".")
    if len(labels) == 3 and labels[1:] in (["supabase", "co"], ["supabase", "in"]):
        return labels[0]
    return None


def _needles(url: str) -> set[str]:
    parts = urlsplit(url if "://" in url else f"//{url}")
    found = set()
    host = (parts.hostname or "").lower()
    # a pooler's host serves every project of its region: only the ref in its user is old's
    if host and not host.endswith(".pooler.supabase.com"):
        found.add(f"{host}:{parts.port}" if parts.port else host)
    ref = project_ref(url)
    if ref:
        found.add(ref)
    return found


def old_project_needles(olds: Iterable[str], mine: Iterable[str] = ()) -> tuple[str, ...]:
    """What a stale reference contains: each old URL's host (with its port, if any, so a link
    written with another scheme is found too) and, for hosted projects, the project ref; less
    anything the new project's own URLs (`mine`) also contain. Never a user name or password."""
    new = set().union(*(_needles(url) for url in mine))
    return tuple(sorted(set().union(*(_needles(url) for url in olds)) - new))


def stale_references(
    conn: psycopg.Connection, needles: tuple[str, ...], schemas: tuple[str, ...]
) -> list[str]:
    """Every object whose definition names the old project, as `<object> names <needle>`."""
    found: list[str] = []
    for source, query in SOURCES.items():
        rows = conn.execute(query, {"needles": list(needles), "schemas": list(schemas)}).fetchall()
        found += [f"{what} ({source}) names {needle}" for what, needle in sorted(rows)]
    return found
