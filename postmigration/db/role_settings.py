"""The settings of the roles the API runs as, and of the app's database (``ALTER ROLE … SET``,
``ALTER DATABASE … SET``, and ``ALTER ROLE ALL SET`` for every role: statement_timeout,
search_path, PostgREST's ``pgrst.*``).

A role belongs to the server, not to the database: no dump of the database carries its
settings, and a migration that set one is recorded as applied on new and never runs there, so
a restore leaves new's roles as the fresh project made them. Database-wide settings are not in
a dump taken without ``--create`` either.
"""

from __future__ import annotations

import psycopg

__all__ = [
    "API_ROLES",
    "PROJECT_OWN",
    "SET",
    "SETTING_HOLDER",
    "SETTINGS_HERE",
    "role_settings",
    "role_setting_differences",
    "sealed_role_settings",
]

# PostgREST logs in as authenticator and switches to the others for each request.
API_ROLES = ("anon", "authenticated", "service_role", "authenticator")
# Set by the platform on older projects' databases: each project's own JWT secret and expiry,
# never the app's, so new does not have old's.
PROJECT_OWN = frozenset({"app.settings.jwt_secret", "app.settings.jwt_exp"})

# (whose, name) -> value; whose is "role X", "role X in this database", "the database" or
# "every role" (ALTER ROLE ALL SET: every role, in every database).
Settings = dict[tuple[str, str], str]
# Whose a pg_db_role_setting row `s` (its role joined as `r`) is, in those words. ALTER ROLE ALL
# IN DATABASE is stored as ALTER DATABASE is, so "the database" names both.
SETTING_HOLDER = """
    case when s.setrole = 0 and s.setdatabase = 0 then 'every role'
         when s.setrole = 0 then 'the database'
         when s.setdatabase = 0 then 'role ' || r.rolname
         else 'role ' || r.rolname || ' in this database' end
"""
# The rows of pg_db_role_setting that apply in the database connected to.
SETTINGS_HERE = (
    "s.setdatabase in (0, (select oid from pg_database where datname = current_database()))"
)
# What a sealed copy (see :func:`sealed_role_settings`) holds instead of a value that may be
# a secret.
SET = "(set)"


def role_settings(conn: psycopg.Connection) -> Settings:
    """The settings the API roles start with here: their own (in every database, or in this
    one), this database's, and those of every role (ALTER ROLE ALL SET)."""
    rows = conn.execute(
        f"""
        select {SETTING_HOLDER}, unnest(s.setconfig)
        from pg_db_role_setting s
        left join pg_roles r on r.oid = s.setrole
        where {SETTINGS_HERE} and (r.rolname = any(%s) or s.setrole = 0)
        """,
        (list(API_ROLES),),
    ).fetchall()
    found: Settings = {}
    for whose, entry in rows:
        name, _, value = str(entry).partition("=")
        found[(str(whose), name)] = value
    return found


def sealed_role_settings(settings: Settings) -> Settings:
    """`settings` as the committed schema snapshot keeps them: without the project's own JWT
    settings (PROJECT_OWN), and with :data:`SET` in place of the values that are neither
    PostgreSQL's nor PostgREST's (``app.*``, which may hold secrets): those are compared by
    presence only."""
    return {
        (whose, name): value if _shown(name) else SET
        for (whose, name), value in settings.items()
        if name not in PROJECT_OWN
    }


def role_setting_differences(new: Settings, old: Settings, old_name: str = "old") -> list[str]:
    """One line per setting `old` has that new lacks or holds with another value; settings
    only new has (the fresh project's) are not differences, nor PROJECT_OWN. Values of
    settings that are neither PostgreSQL's own nor PostgREST's (``app.*``, which may hold
    secrets) are never shown. `old_name` names the other side: "old", or "the snapshot" (its
    values are sealed by :func:`sealed_role_settings`: seal new's alike before comparing)."""
    lines: list[str] = []
    for (whose, name), value in sorted(old.items()):
        if name in PROJECT_OWN:
            continue
        theirs = new.get((whose, name))
        if theirs == value:
            continue
        shown = _shown(name)
        if theirs is None:
            told = f"{name} = {value} on {old_name}" if shown else f"{name} is set on {old_name}"
            lines.append(f"{whose}: {told} but not on new")
        elif shown:
            lines.append(f"{whose}: {name} is {theirs} on new but {value} on {old_name}")
        else:
            lines.append(f"{whose}: {name} differs from {old_name} (values not shown)")
    return lines


def _shown(name: str) -> bool:
    """PostgreSQL's own settings have no dot in their names; PostgREST's are ``pgrst.*``."""
    return "." not in name or name.startswith("pgrst.")
