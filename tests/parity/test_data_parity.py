"""Backup/restore: the restored database holds what old held (schema, rows, sequences)."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import require_comparison
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.parity import rewrite_plan

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("data-parity")]


def test_schema_equals_old(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
) -> None:
    """Tables, columns and types, constraints, indexes, views, functions and triggers (auth.users'
    too), and each trigger and foreign key fires as on old (not disabled, not replica-only)."""
    require_comparison(comparison_target, "schema parity")
    assert comparison_db is not None
    fail_on(
        db.schema_differences(db.schema_facts(target_db), db.schema_facts(comparison_db)),
        "the schema on new differs from old",
    )


def test_every_table_has_old_rows(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    data_baseline: dict[str, db.TableFingerprint | None] | None,
    evidence: Evidence,
) -> None:
    """Per table (the app's schemas, auth.users, auth.identities, and auth.mfa_factors where
    both servers have it): same row count and content checksum, computed in the
    database; URLs of the app's own origin compare equal once moved from old's origin to new's."""
    old_target = require_comparison(comparison_target, "data parity")
    assert comparison_db is not None
    plan = rewrite_plan(app_profile, target, old_target)
    tables = db.compared_tables(comparison_db)
    ignore = app_profile.parity_ignore_columns
    old = db.fingerprints(comparison_db, tables, plan.old_side, ignore)
    new = (
        data_baseline
        if data_baseline is not None
        else db.fingerprints(target_db, tables, plan.new_side, ignore)
    )
    evidence.text(
        "rows per table (old → new)",
        "\n".join(
            f"{t}: {old[t].rows if old[t] else '-'} → {new[t].rows if new.get(t) else '-'}"
            for t in tables
        )
        + (
            "\n(new fingerprinted before this run wrote anything)"
            if data_baseline is not None
            else ""
        ),
    )
    problems = []
    for table in tables:
        before, after = old[table], new.get(table)
        if before is None or after == before:
            continue
        if after is None and table in db.OPTIONAL_AUTH_TABLES:
            continue
        if after is None:
            problems.append(f"table {table} is missing on new")
            continue
        sample = db.differing_keys(
            target_db, comparison_db, table, rewrites=plan.old_side.get(table), ignore=ignore
        )
        hint = f" (e.g. {', '.join(sample)})" if sample else ""
        if after.rows != before.rows:
            problems.append(f"{table} has {after.rows} rows on new but {before.rows} on old{hint}")
        else:
            problems.append(f"{table} has the same {after.rows} rows but different content{hint}")
    fail_on(problems, "data on new differs from old")


def test_no_sequence_is_behind(target_db: psycopg.Connection) -> None:
    """No sequence would hand out an id that its column already holds (a restore left it behind)."""
    fail_on(db.sequences_behind(target_db), "sequences were left behind by the restore")


def test_no_sequence_hands_out_old_ids_again(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
) -> None:
    """Each sequence of public on new is at least where old's is: no id old handed out is handed
    out again."""
    require_comparison(comparison_target, "sequence parity")
    assert comparison_db is not None
    fail_on(
        db.sequences_reusing_old_ids(
            db.sequence_positions(target_db), db.sequence_positions(comparison_db)
        ),
        "sequences on new would hand out ids old already handed out",
    )


def test_triggers_and_foreign_keys_are_not_switched_off(target_db: psycopg.Connection) -> None:
    """No database, role or server setting puts new connections in replication mode
    (session_replication_role = replica), where no trigger and no foreign key fires."""
    fail_on(
        db.replication_role_settings(target_db),
        "triggers and foreign keys do not fire on new",
    )
