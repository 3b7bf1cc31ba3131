"""Storage sync: every bucket's objects made it to new with old's name, size, content-type and bytes."""

from __future__ import annotations

import pytest
from supabase import Client

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import require_comparison
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.parity import StorageListing, storage_listing
from postmigration.session import RunConfig
from postmigration.storage import (
    byte_differences,
    listing_differences,
    objects_to_download,
    storage_http,
)
from postmigration.watermark import Watermark, objects_written_after

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("storage-parity")]


def _objects(count: int) -> str:
    return f"{count} object{'' if count == 1 else 's'}"


def _differ(problems: list[str]) -> str:
    """The headline: how many objects differ (one problem line per object), then the first."""
    if len(problems) == 1:
        return "1 object on new differs from old"
    return f"{len(problems)} objects on new differ from old; first"


Listings = tuple[StorageListing, StorageListing]


@pytest.fixture(scope="module")
def written_later(
    target: Target,
    pm_config: RunConfig,
    cutover_scopes: tuple[Watermark | None, object],
    app_profile: AppProfile,
) -> dict[str, set[str]]:
    """Post-cutover with a watermark: per bucket, the objects new got or replaced after the
    cutover (users' uploads since the switch), counted and shown, never compared."""
    try:
        return objects_written_after(
            target, cutover_scopes[0], pm_config.phase, app_profile.buckets
        )
    except db.DatabaseUnreachable as exc:
        pytest.fail(
            f"cannot tell the uploads since the cutover from drift: new's database: {exc}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def listings(
    service_client: Client,
    comparison_client: Client | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    storage_baseline: StorageListing | None,
    written_later: dict[str, set[str]],
) -> Listings:
    """(new as the migration left it, old now): full recursive listings of every bucket, once,
    without the objects written on new after the cutover."""
    require_comparison(comparison_target, "storage parity")
    assert comparison_client is not None
    new = (
        storage_baseline
        if storage_baseline is not None
        else storage_listing(service_client, app_profile.buckets)
    )
    old = storage_listing(comparison_client, app_profile.buckets)
    return _without(new, written_later), _without(old, written_later)


def _without(listing: StorageListing, later: dict[str, set[str]]) -> StorageListing:
    return {
        bucket: {n: o for n, o in objects.items() if n not in later.get(bucket, set())}
        for bucket, objects in listing.items()
    }


def test_every_bucket_lists_the_same_objects(
    listings: Listings,
    written_later: dict[str, set[str]],
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Per bucket, the full recursive listing (paged past 100) of new, as it was before this run
    uploaded anything, equals old's by name, size and content-type (post-cutover: but for the
    objects written on new after the cutover, shown apart)."""
    new, old = listings
    if any(written_later.values()):
        evidence.text(
            "written on new after the cutover (not compared)",
            "\n".join(
                f"{b}: {len(names)} ({', '.join(sorted(names)[:5])})"
                for b, names in sorted(written_later.items())
            ),
        )
    evidence.text(
        "objects per bucket (old → new)",
        "\n".join(f"{b}: {len(old[b])} → {len(new.get(b, {}))}" for b in app_profile.buckets),
    )
    problems: list[str] = []
    for bucket in app_profile.buckets:
        problems += listing_differences(bucket, new.get(bucket, {}), old[bucket])
    fail_on(problems, _differ(problems))


def test_every_object_has_old_bytes_and_content_type(
    listings: Listings, target: Target, comparison_target: Target | None, evidence: Evidence
) -> None:
    """Every object listed on both sides is downloaded from new and from old (service role, a
    few at a time): the sha256 of the bytes and the served content-type are equal."""
    assert comparison_target is not None  # the listings fixture skipped without one
    objects = objects_to_download(*listings)
    if not objects:
        pytest.fail(
            "no object in any bucket on both old and new: nothing was synced, or the listing is broken",
            pytrace=False,
        )
    with (
        storage_http(target.supabase_url, target.server_key) as new_http,
        storage_http(comparison_target.supabase_url, comparison_target.server_key) as old_http,
    ):
        problems = byte_differences(new_http, old_http, objects)
    evidence.text(
        "downloads",
        f"{_objects(len(objects))} downloaded from new and from old, sha256 and content-type compared",
    )
    fail_on(problems, _differ(problems))
