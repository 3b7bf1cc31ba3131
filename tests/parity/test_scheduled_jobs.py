"""Scheduled jobs: old's pg_cron jobs run on new, the same way, calling new; without old (the
nightly run on staging, or no --compare-to), the jobs the committed schema snapshot keeps."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.app_profile import AppProfile
from postmigration.comparison import require_old_db, schema_reference
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.origins import old_keys, old_origins, own_origins
from postmigration.parity import origin_moves

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("scheduled-jobs")]


def test_every_cron_job_is_scheduled_on_new_as_on_old_or_snapshot(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Each of old's jobs is scheduled on new with the same schedule and command (old's origin
    moved to new's), active if it was on old, its last run on new (if it has run: a nightly
    job has usually not run yet, and the gate does not run it) succeeded; no job on new calls
    an old origin, in its command or through a Vault secret it reads, nor sends one of old's
    API keys through a Vault secret it reads. Without old, each job the committed snapshot
    keeps is on new with its schedule and command (the command's URLs and keys aside: the
    snapshot keeps a digest), active if it is there, its last run succeeded; no job calls an
    old origin the target names (old_origins); and a job calling a project's API (a path such
    as /functions/v1/) with a URL it reads from Vault gets new's own origin there."""
    new = carried.cron_jobs(target_db)
    if comparison_target is None:
        reference = schema_reference(target_db, None, None, app_profile, "scheduled jobs")
        assert reference.snapshot is not None  # no old: the snapshot, or skipped
        kept = reference.kept(reference.snapshot.cron_jobs, "the cron jobs")
        if not kept and not new:
            evidence.text(
                "scheduled jobs", "not used by this project (no pg_cron job kept or on new)"
            )
            return
        olds = old_origins(target, None)
        _show(
            evidence,
            new,
            f"{reference.described}; where a job calls is judged only through a Vault URL it"
            " calls a project's API with, and the target's old_origins",
        )
        fail_on(
            carried.cron_snapshot_problems(
                new,
                kept,
                reference.name,
                olds,
                carried.vault_naming_old(target_db, olds),
                carried.vault_urls_elsewhere(target_db, own_origins(target)),
            ),
            f"scheduled jobs are not as on {reference.title}",
        )
        return
    old_target, old_db = require_old_db(comparison_target, comparison_db, "scheduled jobs")
    old = carried.cron_jobs(old_db)
    if not old and not new:
        evidence.text("scheduled jobs", "not used by this project (no pg_cron job on old or new)")
        return
    olds = old_origins(target, old_target)
    via_vault = carried.vault_naming_old(target_db, olds)
    keys_in_vault = carried.vault_holding(target_db, old_keys(target, old_target))
    _show(evidence, new, "compared with old")
    fail_on(
        carried.cron_problems(
            new, old or {}, origin_moves(target, old_target), olds, via_vault, keys_in_vault
        ),
        "scheduled jobs are not as on old",
    )


def _show(evidence: Evidence, new: dict[str, carried.CronJob] | None, compared: str) -> None:
    evidence.text(
        f"cron jobs (name: schedule, active, last run on new; {compared})",
        "\n".join(
            f"{j.name}: {j.schedule}, {'active' if j.active else 'inactive'}, "
            f"{j.last_status or 'not run yet'}"
            for j in (new or {}).values()
        )
        or "none on new",
    )
