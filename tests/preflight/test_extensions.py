"""Pre-flight: "Ensure pgcrypto, uuid-ossp as required by migrations"."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.preflight, pytest.mark.item("extensions")]


def test_required_extensions_are_installed(
    target_db: psycopg.Connection, app_profile: AppProfile
) -> None:
    """Each extension the migrations need is installed on the target."""
    fail_on(
        db.missing_extensions(target_db, app_profile.required_extensions), "extensions are missing"
    )


def test_extension_functions_run_as_the_app_roles(target_db: psycopg.Connection) -> None:
    """gen_random_uuid, uuid_generate_v4, gen_random_bytes and crypt resolve and run as the app's roles."""
    fail_on(db.function_problems(target_db), "functions the schema relies on do not run")
