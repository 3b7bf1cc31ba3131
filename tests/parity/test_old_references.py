"""Backup/restore: nothing the database runs, renders or reads from its settings still names the
old project."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.origins import no_old_origin_known, old_origins
from postmigration.session import RunConfig

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("old-references")]


def test_no_definition_or_setting_names_the_old_project(
    target: Target,
    target_db: psycopg.Connection,
    comparison_target: Target | None,
    evidence: Evidence,
    pm_config: RunConfig,
) -> None:
    """No function body, trigger definition, column default or view definition, and no setting
    of a role or of the database, contains the host of an old origin or of old's database, or
    the old project's ref; each finding names the object or the setting (never its value)."""
    olds = list(old_origins(target, comparison_target))
    if comparison_target is not None and comparison_target.db_url:
        olds.append(comparison_target.db_url)  # its host and ref; never its password
    mine = [u for u in (target.supabase_url, target.site_url, target.db_url) if u]
    needles = db.old_project_needles(olds, mine)
    if not needles:
        no_old_origin_known(pm_config.phase)
    evidence.text("looked for", "\n".join(needles))
    fail_on(
        db.stale_references(target_db, needles, db.app_schemas(target_db)),
        "definitions or settings on new still name the old project",
    )
