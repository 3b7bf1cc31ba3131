"""Pre-flight: "Confirm ... buckets exist in target"."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import old_buckets
from postmigration.config import Target
from postmigration.findings import fail_on
from postmigration.storage import bucket_problems

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.preflight, pytest.mark.item("buckets")]


def test_expected_buckets_exist_as_configured(
    service_client: Client,
    comparison_client: Client | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
) -> None:
    """Each expected bucket exists with its public flag, size limit and mime types (old's, when given)."""
    actual = {b.id: b for b in service_client.storage.list_buckets()}
    expected = app_profile.bucket_specs
    old = old_buckets(comparison_client, comparison_target)
    fail_on(bucket_problems(actual, expected, old), "storage buckets are not as the app needs them")


def test_storage_policies_cover_every_bucket(
    target_db: psycopg.Connection, comparison_db: psycopg.Connection | None, app_profile: AppProfile
) -> None:
    """storage.objects has policies naming each bucket that is written to (old's, when given)."""
    mine = [p for p in db.policies(target_db, ("storage",)) if p.table == "objects"]
    text = {p.name: f"{p.using or ''} {p.with_check or ''}" for p in mine}
    problems = [
        f'no storage.objects policy mentions bucket "{bucket}"'
        for bucket in app_profile.buckets
        if not any(f"'{bucket}'" in body for body in text.values())
    ]
    if comparison_db is not None:
        old = [p for p in db.policies(comparison_db, ("storage",)) if p.table == "objects"]
        problems += db.policy_differences(mine, old, where="old")
    fail_on(problems, "storage policies are missing")
