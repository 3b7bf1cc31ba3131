"""Pre-flight "Ensure pgcrypto, uuid-ossp": installed, and their functions run as the app's roles."""

from __future__ import annotations

import psycopg
from psycopg import sql

# What the reference schema calls; each must resolve through the database's search_path.
FUNCTION_PROBES = {
    "gen_random_uuid": "select gen_random_uuid()",
    "uuid_generate_v4": "select uuid_generate_v4()",
    "gen_random_bytes": "select gen_random_bytes(8)",
    "crypt": "select crypt('probe', gen_salt('bf', 4))",
}


def installed_extensions(conn: psycopg.Connection) -> set[str]:
    """The names of the extensions installed in this database."""
    return {r[0] for r in conn.execute("select extname from pg_extension").fetchall()}


def missing_extensions(conn: psycopg.Connection, required: tuple[str, ...]) -> list[str]:
    """Required extensions that are not installed, each as a plain sentence."""
    installed = installed_extensions(conn)
    return [f"extension {name} is not installed" for name in required if name not in installed]


# The roles every Supabase app's requests run as, and anon (a visitor's), which a project may
# keep from these functions on purpose: anon is held to what it could run on old.
APP_ROLES = ("authenticated", "service_role")
ANON = "anon"


def function_failures(
    conn: psycopg.Connection, roles: tuple[str, ...]
) -> dict[tuple[str, str], str]:
    """Run each probe as each role (with the database's search_path): (function, role) ->
    the server's reason, for each that fails."""
    failures: dict[tuple[str, str], str] = {}
    for role in roles:
        for name, probe in FUNCTION_PROBES.items():
            try:
                with conn.transaction():
                    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
                    conn.execute(probe)
                    raise _Rollback
            except _Rollback:
                pass
            except psycopg.Error as exc:
                failures[(name, role)] = (exc.diag.message_primary or str(exc)).strip()
    return failures


def function_problems(conn: psycopg.Connection, old: psycopg.Connection | None = None) -> list[str]:
    """What fails of the probes as the app's roles; with `old`, also as anon wherever it runs
    as anon on old."""
    failures = function_failures(conn, (*APP_ROLES, ANON) if old is not None else APP_ROLES)
    if old is not None:
        on_old = function_failures(old, (ANON,))
        failures = {
            (name, role): reason
            for (name, role), reason in failures.items()
            if role != ANON or (name, role) not in on_old
        }
    return [
        f"{name}() does not run as {role}"
        + (" (it does on old)" if role == ANON else "")
        + f": {reason}"
        for (name, role), reason in failures.items()
    ]


class _Rollback(Exception):
    """Leave the probe's transaction without a trace."""
