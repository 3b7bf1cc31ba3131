"""Backup/restore: what a restore carries besides public's tables and rows (data-parity).

test_data_parity.py compares public's tables, views, functions and triggers and every table's
rows; here: the app's other schemas, the definitions a restore may change around them, and
the auth data beyond the users.
"""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import require_old_db, schema_reference
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("data-parity")]


def test_everything_the_app_owns_equals_old_or_snapshot(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Extensions with their schema (a version difference is shown, not compared: it follows
    each project's Postgres image); the app's schemas and their owners; each app
    function's owner, security definer and settings (search_path); enums and their labels;
    each table's replica identity (what Realtime's events carry of the old row); whose rights
    each view reads its tables with (security_invoker: without it, past the caller's RLS);
    sequences' options; the auth and storage tables' columns; the publications and their
    tables (but the platform's publication of Realtime's daily message partitions); and in
    each custom schema (not public) its tables, columns, constraints, indexes, views,
    materialized views, functions and triggers: as on old, or without old as in the
    committed snapshot. Without old, also public's own tables, columns, constraints, indexes,
    views, functions and triggers and how each trigger and foreign key fires, and the app's
    triggers on the platform's tables (on auth.users, and on storage.objects or any table when
    they call an app function) and how each fires, all of which with old are compared along
    with public's schema (test_schema_equals_old) and the custom schemas'."""
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
        problems += db.schema_differences(
            db.schema_facts(target_db, custom),
            reference.custom_schema_facts(custom),
            old_name=reference.name,
        )
    platform, compared = reference.platform_trigger_differences(target_db, schemas)
    if compared:
        evidence.text("the app's triggers on the platform's tables", compared)
    public, compared = reference.public_schema_differences(target_db)
    if compared:
        evidence.text("public's schema", compared)
    # a trigger on auth.users is one of the custom schemas' and of public's facts too: named once
    problems = list(dict.fromkeys([*problems, *platform, *public]))
    fail_on(problems, f"the schema on new differs from {reference.title}")


def test_every_user_has_an_identity(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
) -> None:
    """No more users lack an auth.identities row on new than on old (a user without an
    identity cannot sign in with it)."""
    _, old_db = require_old_db(comparison_target, comparison_db, "auth data parity")
    new, old = db.users_without_identity(target_db), db.users_without_identity(old_db)
    if new > old:
        pytest.fail(
            f"{new} users have no identity in auth.identities on new (old: {old})", pytrace=False
        )
