"""Backup/restore: the grants old gives are the grants new gives (the dump carries none)."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.comparison import require_old_db
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("grants")]


def test_grants_equal_old(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Every role's privileges on the app's schemas and on their tables, views, columns,
    sequences and functions, and the default privileges there, are old's: none lost, none
    regained that old had revoked."""
    _, old_db = require_old_db(comparison_target, comparison_db, "grants")
    schemas = db.app_schemas(old_db, target_db)
    old = db.privileges(old_db, schemas)
    evidence.text("compared", f"{len(old)} grants of old in schemas {', '.join(schemas)}")
    fail_on(
        db.privilege_differences(db.privileges(target_db, schemas), old),
        "grants on new differ from old",
    )
