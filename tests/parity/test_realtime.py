"""Realtime: the supabase_realtime publication carries on new what it carried on old (without
old, what the committed schema snapshot says it carries)."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.app_profile import AppProfile
from postmigration.comparison import schema_reference
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("realtime")]


def test_realtime_publishes_old_tables(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Every table old's supabase_realtime publishes (without old: the snapshot's) is
    published on new."""
    reference = schema_reference(
        target_db, comparison_db, comparison_target, app_profile, "realtime"
    )
    expected = reference.realtime_tables() or set()
    if not expected:
        evidence.text("realtime", f"not used by this project ({reference.name} publishes no table)")
        return
    new = carried.published_tables(target_db)
    evidence.text(
        "published on new", f"{reference.described}\n" + ("\n".join(sorted(new or ())) or "none")
    )
    fail_on(
        carried.publication_problems(new, expected),
        f"realtime is not as on {reference.title}",
    )
