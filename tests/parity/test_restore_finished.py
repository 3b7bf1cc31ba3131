"""Backup/restore: the restore and the migrations left nothing half-done on new (checked on new
alone, so at night and without --compare-to too)."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("restore-finished")]


def test_no_sequence_is_behind(target_db: psycopg.Connection) -> None:
    """No sequence would hand out an id that its column already holds (a restore left it behind)."""
    fail_on(db.sequences_behind(target_db), "sequences were left behind by the restore")


def test_foreign_keys_are_enforced_and_no_setting_switches_triggers_off(
    target_db: psycopg.Connection,
) -> None:
    """No database, role or server setting puts new connections in replication mode
    (session_replication_role = replica), where no trigger and no foreign key fires; and no
    foreign key has its triggers switched off on one of its tables (DISABLE TRIGGER ALL left
    in force). A trigger of the app's switched off on its own is a choice only old or the
    snapshot can judge: schema-parity compares how each fires."""
    settings = db.replication_role_settings(target_db)
    # The headline says as much as was found: a setting stops every trigger and foreign key,
    # a table's disabled triggers only the keys named.
    fail_on(
        settings + db.foreign_keys_not_enforced(target_db),
        "triggers and foreign keys do not fire on new"
        if settings
        else "foreign keys are not enforced on new",
    )


def test_every_materialized_view_has_data(target_db: psycopg.Connection) -> None:
    """Every materialized view of the app's schemas has been filled (pg_restore refreshes each
    one last; a restore that stopped early or skipped those entries leaves it unreadable)."""
    fail_on(
        db.materialized_views_without_data(target_db),
        "materialized views on new have no data",
    )


def test_no_index_is_left_invalid(target_db: psycopg.Connection) -> None:
    """No index of the app's schemas is left invalid by a concurrent build that failed (a
    migration's CREATE INDEX CONCURRENTLY over rows it rejects): no query would use it."""
    fail_on(db.invalid_indexes(target_db), "indexes on new are invalid")
