"""Storage sync: every object of every bucket made it to new with old's name, size and
content-type, and owner where the databases are compared (compared by their metadata); a random sample of each bucket, and the objects the
metadata flags, have old's bytes (an eTag that differs alone only points at what to download)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import require_comparison
from postmigration.config import Target
from postmigration.errors import first_line
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.parity import StorageListing, storage_listing
from postmigration.session import RunConfig
from postmigration.storage import byte_differences, storage_http
from postmigration.storage_parity import (
    MAX_FLAGGED,
    MetadataComparison,
    buckets_to_compare,
    compare_in_databases,
    compare_listings,
    old_bucket_ids,
    retagged_to_download,
    sample_in_databases,
    sample_of_listings,
    to_download,
)
from postmigration.watermark import Watermark, objects_written_after

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("storage-parity")]


def _objects(count: int) -> str:
    return f"{count:,} object{'' if count == 1 else 's'}"


def _differ(problems: list[str], complete: bool = True) -> str:
    """The headline: how many objects differ (one problem line per object), then the first."""
    if len(problems) == 1 and complete:
        return "1 object on new differs from old"
    return f"{'' if complete else 'at least '}{len(problems)} objects on new differ from old; first"


Listings = tuple[StorageListing, StorageListing]


def _in_databases(target: Target, old: Target | None) -> bool:
    return bool(target.db_url and old is not None and old.db_url)


@pytest.fixture(scope="module")
def compared_buckets(
    comparison_target: Target | None, comparison_client: Client | None, app_profile: AppProfile
) -> tuple[str, ...]:
    """The app's buckets, then every other bucket old has (one made by hand in old's dashboard,
    outside [app] buckets): each is compared."""
    old = require_comparison(comparison_target, "storage parity")
    try:
        return buckets_to_compare(app_profile.buckets, old_bucket_ids(old, comparison_client))
    except Exception as exc:  # the database's, httpx's and storage3's errors alike
        pytest.fail(
            f"cannot list the buckets of the old server {old.supabase_url}: {first_line(exc)}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def new_listing(
    service_client: Client,
    compared_buckets: tuple[str, ...],
    storage_baseline: StorageListing | None,
) -> StorageListing:
    """New's full recursive listing of every compared bucket through the Storage API, as the
    migration left it (taken at session start, before this run uploaded anything), once."""
    if storage_baseline is not None:
        return storage_baseline
    return storage_listing(service_client, compared_buckets)


@pytest.fixture(scope="module")
def written_later(
    request: pytest.FixtureRequest,
    target: Target,
    pm_config: RunConfig,
    cutover_scopes: tuple[Watermark | None, object],
    compared_buckets: tuple[str, ...],
) -> dict[str, set[str]]:
    """Post-cutover with a watermark: per bucket, the objects new got or replaced after the
    cutover (users' uploads since the switch), counted and shown, never compared: from new's
    storage.objects with its db_url, else from the times in new's Storage API listing."""
    watermark = cutover_scopes[0]
    listing = None
    if not target.db_url and watermark is not None and pm_config.phase == "post-cutover":
        listing = request.getfixturevalue("new_listing")
    try:
        return objects_written_after(target, watermark, pm_config.phase, compared_buckets, listing)
    except db.DatabaseUnreachable as exc:
        pytest.fail(
            f"cannot tell the uploads since the cutover from drift: new's database: {exc}",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def listings(
    new_listing: StorageListing,
    comparison_client: Client | None,
    compared_buckets: tuple[str, ...],
    written_later: dict[str, set[str]],
) -> Listings:
    """Without both db_urls: (new as the migration left it, old now), full recursive listings
    of every bucket through the Storage API, once, without the objects written on new after
    the cutover."""
    assert comparison_client is not None
    old = storage_listing(comparison_client, compared_buckets)
    return _without(new_listing, written_later), _without(old, written_later)


def _without(listing: StorageListing, later: dict[str, set[str]]) -> StorageListing:
    return {
        bucket: {n: o for n, o in objects.items() if n not in later.get(bucket, set())}
        for bucket, objects in listing.items()
    }


@pytest.fixture(scope="module")
def metadata(
    request: pytest.FixtureRequest,
    target: Target,
    comparison_target: Target | None,
    compared_buckets: tuple[str, ...],
    storage_metadata_baseline: MetadataComparison | None,
    written_later: dict[str, set[str]],
) -> MetadataComparison:
    """Every object's name, size and content-type, old against new, and its recorded hash as a
    hint of what to download: in the databases with both db_urls (taken at session start,
    before this run uploaded anything), else through the Storage API's full listings."""
    old = require_comparison(comparison_target, "storage parity")
    if not _in_databases(target, old):
        new_listing, old_listing = request.getfixturevalue("listings")
        return compare_listings(new_listing, old_listing, compared_buckets)
    if storage_metadata_baseline is not None:
        return storage_metadata_baseline
    assert target.db_url and old.db_url
    try:
        return compare_in_databases(target.db_url, old.db_url, compared_buckets, written_later)
    except (db.DatabaseUnreachable, psycopg.Error) as exc:
        pytest.fail(f"cannot compare storage metadata: {first_line(exc)}", pytrace=False)


def test_every_object_has_old_name_size_content_type_and_owner(
    metadata: MetadataComparison,
    written_later: dict[str, set[str]],
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Per bucket, every object of old is on new and nothing else is (post-cutover: but for the
    objects written on new after the cutover, shown apart), each with old's size and
    content-type, compared by the metadata Storage keeps (in the databases with both db_urls,
    else through full listings paged past 100), and with old's owner in the databases (an
    object copied with the service key is owned by no one: policies that decide by owner no
    longer let its user change it; the listings do not give owners). An object whose recorded hash (eTag) alone
    differs or is missing is no difference (the same bytes uploaded in parts carry another
    eTag): it is flagged, and the next test downloads up to [app] storage_sample of them per
    bucket."""
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
        "\n".join(f"{b}: {old:,} → {new:,}" for b, (old, new) in metadata.counts.items()),
    )
    retagged = len(metadata.retagged)
    evidence.text(
        "compared by metadata",
        f"{_objects(metadata.compared)} compared by {metadata.fields} {metadata.how};"
        f" {_objects(len(metadata.flagged))} flagged for download"
        + (f", {retagged:,} of them by their eTag alone (not a difference)" if retagged else ""),
    )
    problems = metadata.problems + metadata.unexamined
    fail_on(problems, _differ(metadata.problems, complete=not metadata.unexamined))


@pytest.fixture(scope="module")
def sample(
    request: pytest.FixtureRequest,
    target: Target,
    comparison_target: Target | None,
    app_profile: AppProfile,
    compared_buckets: tuple[str, ...],
    written_later: dict[str, set[str]],
) -> list[tuple[str, str]]:
    """Up to [app] storage_sample objects of each bucket held by both sides, chosen at random
    in this run (from old's storage.objects with both db_urls, else from the listings)."""
    old = require_comparison(comparison_target, "storage parity")
    per_bucket = app_profile.storage_sample
    if not _in_databases(target, old):
        new_listing, old_listing = request.getfixturevalue("listings")
        return sample_of_listings(new_listing, old_listing, compared_buckets, per_bucket)
    assert target.db_url and old.db_url
    try:
        return sample_in_databases(
            target.db_url, old.db_url, compared_buckets, per_bucket, written_later
        )
    except (db.DatabaseUnreachable, psycopg.Error) as exc:
        pytest.fail(f"cannot choose the objects to download: {first_line(exc)}", pytrace=False)


def test_a_sample_and_every_flagged_object_have_old_bytes_and_content_type(
    metadata: MetadataComparison,
    sample: list[tuple[str, str]],
    app_profile: AppProfile,
    target: Target,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Up to [app] storage_sample objects of each bucket, chosen at random per run, every
    object the metadata flagged by size or content-type, and up to [app] storage_sample per
    bucket of those flagged by their eTag alone (chosen at random) are downloaded from new and
    from old (service role, a few at a time): the sha256 of the bytes (computed, never an ETag)
    and the served content-type are equal. More than 1,000 objects flagged by size or
    content-type fail: the rest are not downloaded; an eTag alone never counts, and those not
    downloaded fail nothing. Objects outside the sample whose size and content-type are equal
    may not be downloaded: a byte change that leaves them as they were is seen only when
    sampled (or pointed at by a differing eTag)."""
    assert comparison_target is not None  # the metadata fixture skipped without one
    retagged = retagged_to_download(metadata.retagged, app_profile.storage_sample)
    objects = to_download(sample, metadata.flagged_by_size_or_type, retagged)
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
    flagged = len(metadata.flagged_by_size_or_type)
    if flagged > MAX_FLAGGED:
        problems.append(
            f"{flagged - MAX_FLAGGED:,} more objects flagged by their size or content-type were"
            f" not downloaded (at most {MAX_FLAGGED:,} are): their bytes are not verified"
        )
    evidence.text(
        "downloads",
        f"{_objects(len(objects))} downloaded from new and from old, sha256 and content-type "
        f"compared: {_objects(len(sample))} chosen at random (up to {app_profile.storage_sample}"
        f" per bucket) and {min(flagged, MAX_FLAGGED) + len(retagged):,} of"
        f" {_objects(len(metadata.flagged))} flagged by the metadata"
        + (
            f" (by the eTag alone: up to {app_profile.storage_sample} per bucket)"
            if metadata.retagged
            else ""
        )
        + f", of the {_objects(metadata.compared)} compared by metadata",
    )
    fail_on(problems, _differ(problems))
