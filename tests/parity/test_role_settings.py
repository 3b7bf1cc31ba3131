"""Backup/restore: the roles the API runs as, and the app's database, keep old's settings
(``ALTER ROLE … SET``, ``ALTER DATABASE … SET``): roles belong to the server, so no dump of the
database carries them, and a migration that set one is recorded as applied on new and never
runs there. Without old, the committed schema snapshot's settings stand in for old's."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import schema_reference
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("role-settings")]


def test_api_roles_and_the_database_keep_old_settings(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Each setting old gives anon, authenticated, service_role or authenticator (in every
    database or in the app's), or the app's database itself, is on new with old's value (a
    setting only new has, the fresh project's, is no failure); without old, the committed
    snapshot's, where the values of app.* settings are compared by presence only. Old's own
    JWT settings (app.settings.jwt_secret, jwt_exp) are not compared: each project has its
    own. Other roles' settings are not compared."""
    reference = schema_reference(
        target_db, comparison_db, comparison_target, app_profile, "role settings"
    )
    new, old = reference.role_settings(target_db)
    sealed = " (values of app.* settings compared by presence only)" if reference.snapshot else ""
    evidence.text(
        "compared",
        f"{reference.described}: {len(old)} setting(s) of {', '.join(db.API_ROLES)} and the"
        f" database ({len(new)} on new){sealed}",
    )
    fail_on(
        db.role_setting_differences(new, old, old_name=reference.name),
        f"the API's roles or the database lost the settings {reference.title} has on new",
    )
