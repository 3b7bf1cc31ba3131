"""Backup/restore: the roles the API runs as, and the app's database, keep old's settings
(``ALTER ROLE … SET``, ``ALTER DATABASE … SET``): roles belong to the server, so no dump of the
database carries them, and a migration that set one is recorded as applied on new and never
runs there."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.comparison import require_old_db
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("role-settings")]


def test_api_roles_and_the_database_keep_old_settings(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Each setting old gives anon, authenticated, service_role or authenticator (in every
    database or in the app's), or the app's database itself, is on new with old's value (a
    setting only new has, the fresh project's, is no failure). Old's own JWT settings
    (app.settings.jwt_secret, jwt_exp) are not compared: each project has its own. Other
    roles' settings are not compared."""
    _, old_db = require_old_db(comparison_target, comparison_db, "role settings")
    old, new = db.role_settings(old_db), db.role_settings(target_db)
    evidence.text(
        "compared",
        f"{len(old)} setting(s) old gives {', '.join(db.API_ROLES)} and its database"
        f" ({len(new)} on new)",
    )
    fail_on(
        db.role_setting_differences(new, old),
        "the API's roles or the database lost old's settings on new",
    )
