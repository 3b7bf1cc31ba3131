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


def function_problems(
    conn: psycopg.Connection, roles: tuple[str, ...] = ("authenticated", "service_role")
) -> list[str]:
    """Run each probe as each role (with the database's search_path) and report what fails."""
    problems: list[str] = []
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
                reason = (exc.diag.message_primary or str(exc)).strip()
                problems.append(f"{name}() does not run as {role}: {reason}")
    return problems


class _Rollback(Exception):
    """Leave the probe's transaction without a trace."""
