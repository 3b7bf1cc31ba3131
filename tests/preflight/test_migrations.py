"""Pre-flight: "Confirm DB migrations list and order"."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.preflight, pytest.mark.item("migrations")]


def test_every_migration_is_applied_in_order(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Every file of the migrations dir is recorded, in order, none missing, none unknown;
    with a comparison target, the recorded history also equals old's."""
    try:
        files = db.migration_files(app_profile.migrations_dir)
    except db.MigrationsDirMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    recorded = db.recorded_migrations(target_db)
    evidence.text(
        "migrations",
        f"{len(files)} files in {app_profile.migrations_dir.name}, {len(recorded)} recorded:\n"
        + "\n".join(str(m) for m in recorded),
    )
    problems = db.migration_problems(files, recorded)
    if comparison_db is not None:
        problems += db.history_difference(recorded, db.recorded_migrations(comparison_db))
    fail_on(problems, "the migration history is not what the migrations dir says")
