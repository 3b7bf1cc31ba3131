"""Which tables data-parity counts and checksums, and the auth data beyond the users."""

from __future__ import annotations

import psycopg

from .scope import app_schemas

# Auth data beyond the users, counted and checksummed like them; the MFA factors only where
# the platform has the table (data-parity compares it when both servers do).
AUTH_TABLES = ("auth.users", "auth.identities")
OPTIONAL_AUTH_TABLES = ("auth.mfa_factors",)


def relation_exists(conn: psycopg.Connection, name: str) -> bool:
    """Whether the table or view `name` ("schema.name") exists in this database."""
    found = conn.execute("select to_regclass(%s)", (name,)).fetchone()
    return found is not None and found[0] is not None


def compared_tables(conn: psycopg.Connection, schemas: tuple[str, ...] | None = None) -> list[str]:
    """The tables data-parity compares: every table of the app's schemas (all of them unless
    `schemas` narrows it), auth.users, auth.identities, and auth.mfa_factors where it exists."""
    rows = conn.execute(
        """
        select n.nspname || '.' || c.relname from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname = any(%s) order by 1
        """,
        (list(schemas if schemas is not None else app_schemas(conn)),),
    ).fetchall()
    optional = [table for table in OPTIONAL_AUTH_TABLES if relation_exists(conn, table)]
    return [r[0] for r in rows] + list(AUTH_TABLES) + optional


def users_without_identity(conn: psycopg.Connection) -> int:
    """How many auth users have no row in auth.identities (they cannot sign in with it)."""
    row = conn.execute(
        """
        select count(*) from auth.users u
        where not exists (select 1 from auth.identities i where i.user_id = u.id)
        """
    ).fetchone()
    return int(row[0]) if row else 0
