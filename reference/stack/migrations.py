"""Apply `supabase/migrations/*.sql` in order and record them as the supabase CLI does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .sql_split import split_statements

MIGRATION_NAME = re.compile(r"^(?P<version>\d+)_(?P<name>.+)\.sql$")


@dataclass(frozen=True)
class MigrationFile:
    """One file of supabase/migrations: `<version>_<name>.sql`."""

    path: Path
    version: str
    name: str


def migration_files(directory: Path) -> list[MigrationFile]:
    """The migration files of `directory`, in the order the CLI applies them."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = MIGRATION_NAME.match(path.name)
        if match:
            found.append(MigrationFile(path, match["version"], match["name"]))
    return found


def applied_versions(conn: psycopg.Connection) -> set[str]:
    """Versions already recorded in supabase_migrations.schema_migrations."""
    rows = conn.execute("select version from supabase_migrations.schema_migrations").fetchall()
    return {row[0] for row in rows}


def apply_migration(conn: psycopg.Connection, migration: MigrationFile) -> None:
    """Run one file in its own transaction and record it (version, name, statements)."""
    statements = split_statements(migration.path.read_text())
    with conn.transaction():
        for statement in statements:
            conn.execute(statement.encode())  # bytes: no client-side placeholder parsing
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name, statements) "
            "values (%s, %s, %s)",
            (migration.version, migration.name, statements),
        )


def apply_pending(conn: psycopg.Connection, directory: Path) -> list[MigrationFile]:
    """Apply every file not yet recorded, oldest first; return what was applied."""
    done = applied_versions(conn)
    pending = [m for m in migration_files(directory) if m.version not in done]
    for migration in pending:
        apply_migration(conn, migration)
    return pending
