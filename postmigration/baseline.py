"""The new database's data as migrated, captured once before any test writes to it.

Tests create rows and objects while they run (goals, measurements, avatars...). Parity must
compare what the migration produced, so the controller fingerprints new's tables and lists its
buckets at session start, before any test runs, and hands the result to every xdist worker.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.clients import supabase_client
from postmigration.config import Target
from postmigration.parity import StorageListing, rewrite_plan, storage_listing
from postmigration.storage import StoredObject
from postmigration.storage_parity import (
    MetadataComparison,
    buckets_to_compare,
    compare_in_databases,
    old_bucket_ids,
)
from postmigration.watermark import (
    TableMark,
    TableScope,
    Watermark,
    compared_rows,
    objects_written_after,
    scope_on,
)

Tables = dict[str, db.TableFingerprint | None]
Scopes = dict[str, TableScope]


@dataclass(frozen=True)
class Baseline:
    """New as the migration left it: table fingerprints and bucket listings (None: not taken)."""

    tables: Tables | None
    storage: StorageListing | None
    # Post-cutover with a watermark: per table, the rows compared (None: every row).
    scopes: Scopes | None = None
    # With both db_urls: every object's metadata compared old against new in the databases.
    storage_metadata: MetadataComparison | None = None


def scopes_on_new(new: Any, names: list[str], watermark: Watermark | None) -> Scopes | None:
    """Each table's compared rows on new under the watermark (None: no watermark)."""
    if watermark is None:
        return None
    return {
        t: scope_on(new, t, watermark.tables.get(t, TableMark("whole")), watermark.cutover_at)
        for t in names
    }


def capture(
    target: Target,
    comparison: Target | None,
    profile: AppProfile,
    watermark: Watermark | None = None,
    down: Collection[str] = (),
    phase: str = "",
) -> Baseline:
    """Fingerprint every table parity compares (up to the cutover watermark, if any), compare
    every object's metadata in the databases (with both db_urls; else list every bucket
    through the Storage API), when parity can run: nothing is tried on a foundation in `down`
    (a target that never answers would make each attempt wait its timeout)."""
    if comparison is None:
        return Baseline(None, None)
    tables: Tables | None = None
    scopes: Scopes | None = None
    storage: StorageListing | None = None
    metadata: MetadataComparison | None = None
    databases_up = not {"database", "comparison"} & set(down)
    if target.db_url and comparison.db_url and databases_up:
        try:
            with db.connect(comparison.db_url) as old, db.connect(target.db_url) as new:
                names = sorted(set(db.compared_tables(old)) | set(db.compared_tables(new)))
                plan = rewrite_plan(profile, target, comparison)
                scopes = scopes_on_new(new, names, watermark)
                where = None if scopes is None else {t: compared_rows(s) for t, s in scopes.items()}
                tables = db.fingerprints(
                    new, names, plan.new_side, profile.parity_ignore_columns, where
                )
        except db.DatabaseUnreachable:
            tables = scopes = None  # the data-parity test reconnects and reports why
        try:
            buckets = buckets_to_compare(profile.buckets, old_bucket_ids(comparison))
            later = objects_written_after(target, watermark, phase, buckets)
            metadata = compare_in_databases(target.db_url, comparison.db_url, buckets, later)
        except (db.DatabaseUnreachable, psycopg.Error):
            metadata = None  # the storage-parity test compares again and reports why
    # The full listings serve storage-parity and rollback-ready only when the metadata could
    # not be compared in the databases (a million objects are not listed page by page).
    if "reachable" not in down and metadata is None:
        try:
            buckets = buckets_to_compare(profile.buckets, old_bucket_ids(comparison))
            client = supabase_client(target, target.server_key)
            storage = storage_listing(client, buckets)
        except Exception:  # any API failure: the storage-parity test lists again, says why
            storage = None
    return Baseline(tables, storage, scopes, metadata)


def to_wire(baseline: Baseline | None) -> dict[str, Any] | None:
    """A JSON-safe copy for xdist's workerinput."""
    if baseline is None:
        return None
    tables = None
    # execnet cannot send ints below -2**31: checksums travel as text.
    if baseline.tables is not None:
        tables = {
            t: None if f is None else [f.rows, str(f.checksum)] for t, f in baseline.tables.items()
        }
    storage = None
    if baseline.storage is not None:
        storage = {
            b: {n: asdict(o) for n, o in objs.items()} for b, objs in baseline.storage.items()
        }
    scopes = None
    if baseline.scopes is not None:
        scopes = {
            t: {"mark": asdict(s.mark), "created_after": s.created_after, "changed": s.changed_keys}
            for t, s in baseline.scopes.items()
        }
    metadata = None if baseline.storage_metadata is None else baseline.storage_metadata.to_wire()
    return {"tables": tables, "storage": storage, "scopes": scopes, "storage_metadata": metadata}


def from_wire(data: dict[str, Any] | None) -> Baseline | None:
    """The inverse of to_wire."""
    if data is None:
        return None
    tables = data.get("tables")
    storage = data.get("storage")
    scopes = data.get("scopes")
    metadata = data.get("storage_metadata")
    return Baseline(
        None
        if tables is None
        else {
            t: None if v is None else db.TableFingerprint(t, int(v[0]), int(v[1]))
            for t, v in tables.items()
        },
        None
        if storage is None
        else {b: {n: StoredObject(**o) for n, o in objs.items()} for b, objs in storage.items()},
        None
        if scopes is None
        else {
            t: TableScope(
                TableMark(**{**s["mark"], "key": tuple(s["mark"]["key"])}),
                int(s["created_after"]),
                tuple(s["changed"]),
            )
            for t, s in scopes.items()
        },
        None if metadata is None else MetadataComparison.from_wire(metadata),
    )


@pytest.fixture(scope="session")
def data_baseline(pytestconfig: pytest.Config) -> Tables | None:
    """New's table fingerprints as they were before this run wrote anything (None: not taken)."""
    from postmigration.plugin import state_of

    state = state_of(pytestconfig)
    return None if state is None or state.data_baseline is None else state.data_baseline.tables


@pytest.fixture(scope="session")
def cutover_scopes(pytestconfig: pytest.Config) -> tuple[Watermark | None, Scopes | None]:
    """The cutover watermark of this run (post-cutover) and, when new was fingerprinted at
    session start, each table's compared rows as they were then."""
    from postmigration.plugin import state_of

    state = state_of(pytestconfig)
    if state is None:
        return None, None
    scopes = None if state.data_baseline is None else state.data_baseline.scopes
    return state.watermark, scopes


@pytest.fixture(scope="session")
def storage_metadata_baseline(pytestconfig: pytest.Config) -> MetadataComparison | None:
    """Every object's metadata compared old against new in the databases at session start,
    before this run uploaded anything (None: not taken, e.g. without both db_urls)."""
    from postmigration.plugin import state_of

    state = state_of(pytestconfig)
    if state is None or state.data_baseline is None:
        return None
    return state.data_baseline.storage_metadata


@pytest.fixture(scope="session")
def storage_baseline(pytestconfig: pytest.Config) -> StorageListing | None:
    """New's bucket listings as they were before this run uploaded anything (None: not taken)."""
    from postmigration.plugin import state_of

    state = state_of(pytestconfig)
    return None if state is None or state.data_baseline is None else state.data_baseline.storage
