"""Scheduled jobs: old's pg_cron jobs run on new, the same way, calling new."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.comparison import require_old_db
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.origins import old_keys, old_origins
from postmigration.parity import origin_moves

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("scheduled-jobs")]


def test_every_old_cron_job_is_scheduled_on_new_as_on_old(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Each of old's jobs is scheduled on new with the same schedule and command (old's origin
    moved to new's), active if it was on old, its last run on new (if it has run: a nightly
    job has usually not run yet, and the gate does not run it) succeeded; no job on new calls
    an old origin, in its command or through a Vault secret it reads, nor sends one of old's
    API keys through a Vault secret it reads."""
    old_target, old_db = require_old_db(comparison_target, comparison_db, "scheduled jobs")
    old = carried.cron_jobs(old_db)
    new = carried.cron_jobs(target_db)
    if not old and not new:
        evidence.text("scheduled jobs", "not used by this project (no pg_cron job on old or new)")
        return
    olds = old_origins(target, old_target)
    via_vault = carried.vault_naming_old(target_db, olds)
    keys_in_vault = carried.vault_holding(target_db, old_keys(target, old_target))
    evidence.text(
        "cron jobs (name: schedule, active, last run on new)",
        "\n".join(
            f"{j.name}: {j.schedule}, {'active' if j.active else 'inactive'}, "
            f"{j.last_status or 'not run yet'}"
            for j in (new or {}).values()
        )
        or "none on new",
    )
    fail_on(
        carried.cron_problems(
            new, old or {}, origin_moves(target, old_target), olds, via_vault, keys_in_vault
        ),
        "scheduled jobs are not as on old",
    )
