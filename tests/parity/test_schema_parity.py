"""Backup/restore: the schema the migrations and the restore left on new is old's (schema-parity).

Against old when there is one; without it (the nightly run on staging, or no --compare-to)
against the committed schema snapshot, so the item holds the gate at night too. The rows are
data-parity's (test_data_parity.py), which needs old.
"""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import schema_reference
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("schema-parity")]


def test_public_schema_equals_old_or_snapshot(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Public's tables, columns and types, constraints, indexes, views, materialized views,
    functions and triggers (and the app's triggers on the platform's tables: on auth.users, and
    on any table, such as storage.objects, that call an app function), and how each of those
    triggers and foreign keys fires (not disabled, not replica-only): as on old, or without
    old as in the committed snapshot (which keeps a digest of each definition; one written
    before it held public's schema or those triggers leaves the test not verified, asking for
    a refresh)."""
    reference = schema_reference(
        target_db, comparison_db, comparison_target, app_profile, "schema parity"
    )
    schemas = reference.schemas(target_db)
    if reference.old_db is not None:
        problems = db.schema_differences(
            db.schema_facts(target_db), db.schema_facts(reference.old_db)
        )
        platform = db.schema_differences(
            db.platform_table_triggers(target_db, schemas),
            db.platform_table_triggers(reference.old_db, schemas),
        )
    else:
        assert reference.snapshot is not None  # no old: the snapshot, or skipped
        problems, compared = reference.public_schema_differences(target_db)
        evidence.text("public's schema", compared)
        platform, seen = reference.platform_trigger_differences(target_db, schemas)
        evidence.text("the app's triggers on the platform's tables", seen)
    # a trigger on auth.users is one of public's facts and of the platform's: named once
    fail_on(
        dict.fromkeys([*problems, *platform]),
        f"the schema on new differs from {reference.title}",
    )


def test_everything_else_the_app_owns_equals_old_or_snapshot(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Extensions with their schema (a version difference is shown, not compared: it follows
    each project's Postgres image); the app's schemas and their owners; each app function's
    owner, security definer and settings (search_path); enums and their labels; each table's
    replica identity (what Realtime's events carry of the old row); whose rights each view
    reads its tables with (security_invoker: without it, past the caller's RLS); the app's
    event triggers (those running an app function) and whether they fire; sequences'
    options; the auth and storage tables' columns; the publications and their tables (but the
    platform's publication of Realtime's daily message partitions); and in each custom schema
    (not public) its tables, columns, constraints, indexes, views, materialized views,
    functions and triggers (but the app's triggers on the platform's tables, which the public
    test compares): as on old, or without old as in the committed snapshot."""
    reference = schema_reference(
        target_db, comparison_db, comparison_target, app_profile, "schema parity"
    )
    schemas = reference.schemas(target_db)
    evidence.text("the app's schemas", f"{', '.join(schemas)} ({reference.described})")
    custom = tuple(s for s in schemas if s != "public")
    have, want = db.object_facts(target_db, schemas), reference.object_facts(schemas)
    versions = db.extension_version_differences(have, want, old_name=reference.name)
    if versions:
        evidence.text("extension versions (not compared)", "\n".join(versions))
    problems = db.object_differences(have, want, old_name=reference.name)
    if custom:
        # the app's triggers on the platform's tables are the public test's, named there once
        problems += db.schema_differences(
            db.without_platform_triggers(db.schema_facts(target_db, custom), custom),
            db.without_platform_triggers(reference.custom_schema_facts(custom), custom),
            old_name=reference.name,
        )
    fail_on(problems, f"the schema on new differs from {reference.title}")
