"""Pre-flight "Confirm DB migrations list and order": files vs supabase_migrations.schema_migrations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .tables import relation_exists

FILE_NAME = re.compile(r"^(?P<version>\d+)_(?P<name>.+)\.sql$")


@dataclass(frozen=True, order=True)
class Migration:
    """One migration: its timestamp version and its name (the file name without version and .sql)."""

    version: str
    name: str

    def __str__(self) -> str:
        return f"{self.version}_{self.name}"


class MigrationsDirMissing(Exception):
    """The app profile's migrations dir does not exist."""


def migration_files(directory: Path) -> list[Migration]:
    """The migrations of `directory` in the order the supabase CLI applies them."""
    if not directory.is_dir():
        raise MigrationsDirMissing(
            f"migrations dir {directory} does not exist (set [app] migrations_dir)"
        )
    found = [FILE_NAME.match(p.name) for p in sorted(directory.glob("*.sql"))]
    return [Migration(m["version"], m["name"]) for m in found if m]


def recorded_migrations(conn: psycopg.Connection) -> list[Migration]:
    """What supabase_migrations.schema_migrations says was applied, by version."""
    if not relation_exists(conn, "supabase_migrations.schema_migrations"):
        return []
    rows = conn.execute(
        "select version, coalesce(name, '') from supabase_migrations.schema_migrations order by version"
    ).fetchall()
    return [Migration(str(v), str(n)) for v, n in rows]


def migration_problems(files: list[Migration], recorded: list[Migration]) -> list[str]:
    """Every file recorded, in order, none missing, none unknown; each problem in plain words."""
    problems: list[str] = []
    if not recorded:
        return [
            "supabase_migrations.schema_migrations is missing or empty: no migration is recorded"
        ]
    by_version = {m.version: m for m in recorded}
    file_versions = {m.version for m in files}
    for migration in files:
        got = by_version.get(migration.version)
        if got is None:
            problems.append(f"migration {migration} is not applied (not in schema_migrations)")
        elif got.name and got.name != migration.name:
            problems.append(
                f"migration {migration.version} is recorded as {got} but the file is {migration}"
            )
    for migration in recorded:
        if migration.version not in file_versions:
            problems.append(
                f"schema_migrations has {migration}, which is not in the migrations dir"
            )
    latest = max(by_version)
    skipped = [m for m in files if m.version not in by_version and m.version < latest]
    if skipped:
        names = ", ".join(str(m) for m in skipped)
        problems.append(
            f"out of order: {names} predates the latest applied migration {by_version[latest]} "
            "but was never applied"
        )
    return problems


def history_difference(new: list[Migration], old: list[Migration]) -> list[str]:
    """Differences between two targets' migration histories (new vs the comparison target)."""
    new_set, old_set = set(new), set(old)
    problems = [
        f"migration {m} is recorded on old but not on new" for m in sorted(old_set - new_set)
    ]
    problems += [
        f"migration {m} is recorded on new but not on old" for m in sorted(new_set - old_set)
    ]
    return problems
