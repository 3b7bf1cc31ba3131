"""Realtime: the supabase_realtime publication carries on new what it carried on old."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.comparison import require_old_db
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("realtime")]


def test_realtime_publishes_old_tables(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Every table old's supabase_realtime publishes is published on new."""
    _, old_db = require_old_db(comparison_target, comparison_db, "realtime")
    old = carried.published_tables(old_db) or set()
    if not old:
        evidence.text("realtime", "not used by this project (old publishes no table)")
        return
    new = carried.published_tables(target_db)
    evidence.text("published on new", "\n".join(sorted(new or ())) or "none")
    fail_on(carried.publication_problems(new, old), "realtime is not as on old")
