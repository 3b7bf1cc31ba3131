"""Give a fresh database Supabase's base shape, the app's migrations and its seed data."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql

from .migrations import MigrationFile, apply_pending

BASE_SQL = Path(__file__).with_name("sql") / "supabase_base.sql"
# Vault, webhooks, the pg_net stand-in and the realtime publication (see the file's header).
EXTRAS_SQL = Path(__file__).with_name("sql") / "supabase_extras.sql"


def apply_base(conn: psycopg.Connection, dbname: str, authenticator_password: str) -> None:
    """Roles, schemas, auth/storage tables and grants as a new Supabase project has them."""
    with conn.transaction():
        conn.execute(BASE_SQL.read_bytes())
        conn.execute(EXTRAS_SQL.read_bytes())
        conn.execute(
            sql.SQL("alter role authenticator with login password {}").format(
                sql.Literal(authenticator_password)
            )
        )
        conn.execute(
            sql.SQL('alter database {} set search_path to "$user", public, extensions').format(
                sql.Identifier(dbname)
            )
        )


def create_database(admin_url: str, dbname: str) -> None:
    """Create an empty database on the server behind `admin_url` (a superuser URL)."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))


def migrate(db_url: str, migrations_dir: Path) -> list[MigrationFile]:
    """Apply the pending migrations of `migrations_dir` to the database at `db_url`."""
    with psycopg.connect(db_url) as conn:
        conn.autocommit = True
        return apply_pending(conn, migrations_dir)
