"""Rollback ready: old could take the users back. Its API answers, its database takes writes, its
storage still holds the objects of the move. That the last dump restores is rollback-dump's
outcome in the same run (the verdict folds it into this item; the dump is restored once)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import old_buckets, require_comparison
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.parity import StorageListing, storage_listing
from postmigration.rollback import (
    api_problems,
    old_holds_in_databases,
    old_lists_through_api,
    write_blockers,
)
from postmigration.session import RunConfig
from postmigration.storage_parity import MetadataComparison
from postmigration.watermark import Watermark, objects_written_after

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("rollback-ready")]


def test_old_api_answers(
    comparison_target: Target | None, http: httpx.Client, evidence: Evidence
) -> None:
    """Old's GoTrue health answers 200 to old's public key and its PostgREST root answers 200 to
    old's server key (reachability only: no user signs in there)."""
    old = require_comparison(comparison_target, "rollback-ready")
    problems = api_problems(old, http)
    fail_on(
        problems, f"old's API ({old.supabase_url}) does not answer, a rollback has nowhere to go"
    )
    evidence.text("old's API", f"{old.supabase_url}: /auth/v1/health and /rest/v1/ answer 200")


def test_old_database_takes_writes(comparison_target: Target | None, evidence: Evidence) -> None:
    """Old's database accepts a connection, is no standby in recovery, starts no session
    read-only (server, database, or one of the API's roles), and a write in a transaction that is
    rolled back (a temporary table; not when old is declared read_only) goes through: a rollback
    can write to it again at once."""
    old = require_comparison(comparison_target, "rollback-ready")
    url = old.require("db_url")
    try:
        with db.connect(url) as conn:
            problems = write_blockers(conn, probe=not old.read_only)
    except db.DatabaseUnreachable as exc:
        pytest.fail(f"old's database does not accept connections: {exc}", pytrace=False)
    fail_on(problems, "old's database would refuse a rollback's writes")
    probed = (
        "settings only (old is declared read_only)" if old.read_only else "a write probe passed"
    )
    evidence.text("old's database", f"{db.describe(url)}: primary, read-write; {probed}")


@pytest.mark.slow
def test_old_storage_still_holds_its_objects(
    comparison_client: Client | None,
    comparison_target: Target | None,
    service_client: Client,
    storage_metadata_baseline: MetadataComparison | None,
    storage_baseline: StorageListing | None,
    cutover_scopes: tuple[Watermark | None, object],
    target: Target,
    pm_config: RunConfig,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Every bucket of the app is still on old, and old still holds every object new held at
    the start of this run, but those new got after the cutover watermark (post-cutover). With
    both db_urls: by name in the two databases' `storage.objects` (compared at session start),
    and old's Storage API answers a listing of each bucket (its first object only). Without
    them: old's Storage API lists each of them (by name, recursively, paged past 100). No
    bytes are downloaded."""
    old = require_comparison(comparison_target, "rollback-ready")
    assert comparison_client is not None  # there is an old target
    buckets = old_buckets(comparison_client, old) or {}
    if storage_metadata_baseline is not None:
        problems, lines = old_holds_in_databases(
            comparison_client, storage_metadata_baseline, buckets, app_profile.buckets
        )
        how = "compared in the databases at session start; old's Storage API answers a listing"
    else:
        new = storage_baseline or storage_listing(service_client, app_profile.buckets)
        later = objects_written_after(
            target, cutover_scopes[0], pm_config.phase, app_profile.buckets, new
        )
        problems, lines = old_lists_through_api(
            comparison_client, new, later, buckets, app_profile.buckets
        )
        how = "listed through both Storage APIs"
    evidence.text(f"objects per bucket (old, new; {how})", "\n".join(lines))
    fail_on(problems, "old's storage no longer holds what a rollback needs")
