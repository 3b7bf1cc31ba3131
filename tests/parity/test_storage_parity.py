"""Storage sync: every bucket's objects made it to new, byte for byte, with their content-type."""

from __future__ import annotations

import httpx
import pytest
from supabase import Client

from postmigration.app_profile import AppProfile
from postmigration.comparison import require_comparison
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.keys import api_headers
from postmigration.parity import StorageListing, storage_listing
from postmigration.storage import downloads_problems, listing_differences

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("storage-parity")]


def test_every_bucket_lists_the_same_objects(
    service_client: Client,
    comparison_client: Client | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    storage_baseline: StorageListing | None,
    evidence: Evidence,
) -> None:
    """Per bucket, the full recursive listing (paged past 100) is equal by name, size and checksum,
    as new was before this run uploaded anything."""
    require_comparison(comparison_target, "storage parity")
    assert comparison_client is not None
    new = (
        storage_baseline
        if storage_baseline is not None
        else storage_listing(service_client, app_profile.buckets)
    )
    old = storage_listing(comparison_client, app_profile.buckets)
    evidence.text(
        "objects per bucket (old → new)",
        "\n".join(f"{b}: {len(old[b])} → {len(new.get(b, {}))}" for b in app_profile.buckets),
    )
    problems: list[str] = []
    for bucket in app_profile.buckets:
        problems += listing_differences(bucket, new.get(bucket, {}), old[bucket])
    fail_on(problems, "storage on new differs from old")


def test_every_object_downloads_with_its_content_type(
    service_client: Client, target: Target, app_profile: AppProfile, evidence: Evidence
) -> None:
    """Every storage.objects row has bytes behind it: the download works, size and type preserved."""
    listing = storage_listing(service_client, app_profile.buckets)
    count = sum(len(objects) for objects in listing.values())
    if not count:
        pytest.fail(
            "no object in any bucket: nothing was synced, or the listing is broken", pytrace=False
        )
    headers = api_headers(target.server_key)
    with httpx.Client(
        base_url=f"{target.supabase_url}/storage/v1", headers=headers, timeout=30
    ) as http:
        problems = downloads_problems(http, listing)
    evidence.text("downloads", f"{count} objects downloaded from {len(listing)} buckets")
    fail_on(problems, "objects without their bytes on new")
