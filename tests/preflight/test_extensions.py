"""Pre-flight: "Ensure pgcrypto, uuid-ossp as required by migrations": installed, running,
and in the schema old (or without old the committed schema snapshot) has them."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import schema_reference
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.preflight, pytest.mark.item("extensions")]


def test_required_extensions_are_installed(
    target_db: psycopg.Connection, app_profile: AppProfile
) -> None:
    """Each extension the migrations need is installed on the target."""
    fail_on(
        db.missing_extensions(target_db, app_profile.required_extensions), "extensions are missing"
    )


def test_extension_functions_run_as_the_app_roles(
    target_db: psycopg.Connection, comparison_db: psycopg.Connection | None
) -> None:
    """gen_random_uuid, uuid_generate_v4, gen_random_bytes and crypt resolve and run as
    authenticated and service_role, and (with old) as anon wherever they do on old."""
    fail_on(
        db.function_problems(target_db, comparison_db),
        "functions the schema relies on do not run",
    )


def test_required_extensions_are_where_old_or_the_snapshot_has_them(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Each extension the migrations need is installed in the schema (and at the version) it
    has on old, or without old in the committed schema snapshot: one restored into public
    instead of extensions is named."""
    reference = schema_reference(
        target_db, comparison_db, comparison_target, app_profile, "the extensions' schemas"
    )
    expected, found = reference.extension_lines(), db.extension_lines(target_db)
    evidence.text("compared", reference.described)
    fail_on(
        (
            f"extension {name} is {found[name]!r} on new, {expected[name]!r} on {reference.name}"
            for name in app_profile.required_extensions
            if name in found and name in expected and found[name] != expected[name]
        ),
        f"extensions are not where {reference.title} has them",
    )
