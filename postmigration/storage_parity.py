"""What storage-parity compares: every object's metadata old against new, and which objects it
downloads (a random sample of each bucket plus the objects the metadata flags).

With both db_urls the metadata is compared inside the databases (``db.storage_metadata``: no
object is listed through HTTP); without them, through the Storage API's full listings. Either
way the name, size and content-type of every object are compared, and in the databases its
owner too (the listings do not give it); an object whose size or content-type differs is
flagged for download. The recorded hash (Storage's ``eTag``) is only a
hint: an object whose eTag alone differs, or is missing on a side, is flagged too (in the
databases, those the drill-down has room for) and up to the sample's size of them per bucket
are downloaded, where the bytes decide. It never fails and never counts towards a bound: a
multipart or resumable upload's eTag is not the bytes' md5, so the same bytes often carry
another eTag on new after a bucket sync.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg

from postmigration import db
from postmigration.clients import supabase_client
from postmigration.config import Target
from postmigration.db.storage_metadata import (
    ObjectMetadata,
    bucket_sums,
    differing_objects,
    existing_names,
    random_names,
)
from postmigration.storage import StoredObject, listing_differences

if TYPE_CHECKING:
    from supabase import Client

# The flagged objects downloaded at most (the first ones, by bucket and name).
MAX_FLAGGED = 1000

IN_DATABASES = "in the databases (storage.objects)"
THROUGH_LISTINGS = "through the Storage API's listings"


@dataclass(frozen=True)
class MetadataComparison:
    """Every object's name, size and content-type (and owner, in the databases), old against
    new, and its recorded hash as a hint.

    ``counts``: per bucket, (old, new) objects compared; ``problems``: one line per object
    missing, extra or listed with another size or content-type; ``flagged``: the objects on both
    sides whose metadata differs in any way, eTag included (downloaded); ``unexamined``: one
    line per bucket where more objects differ than were examined; ``new_only``: the objects new
    holds and old does not (those examined); ``partial``: the buckets where more differ than
    were examined; ``retagged``: the flagged objects whose eTag alone differs or is missing on
    a side (a hint: a few downloaded, never a failure)."""

    how: str
    counts: dict[str, tuple[int, int]]
    problems: list[str] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)
    unexamined: list[str] = field(default_factory=list)
    new_only: list[tuple[str, str]] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    retagged: list[tuple[str, str]] = field(default_factory=list)

    @property
    def fields(self) -> str:
        """What was compared of each object, in words (owners only in the databases)."""
        if self.how == IN_DATABASES:
            return "name, size, content-type and owner"
        return "name, size and content-type (not the owner: the listings do not give it)"

    def not_on_old(self, bucket: str) -> list[str]:
        """The names of the bucket's objects new holds and old does not (those examined)."""
        return sorted(name for b, name in self.new_only if b == bucket)

    @property
    def flagged_by_size_or_type(self) -> list[tuple[str, str]]:
        """The flagged objects whose size or content-type differs (each also a problem): the
        ones counted towards MAX_FLAGGED; an eTag alone never is."""
        retagged = set(self.retagged)
        return [f for f in self.flagged if f not in retagged]

    @property
    def compared(self) -> int:
        """Objects compared by their metadata (old's, every bucket)."""
        return sum(old for old, _ in self.counts.values())

    def to_wire(self) -> dict[str, Any]:
        """A JSON-safe copy (xdist's workerinput)."""
        return {
            "how": self.how,
            "counts": {b: list(c) for b, c in self.counts.items()},
            "problems": self.problems,
            "flagged": [list(f) for f in self.flagged],
            "unexamined": self.unexamined,
            "new_only": [list(o) for o in self.new_only],
            "partial": self.partial,
            "retagged": [list(r) for r in self.retagged],
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> MetadataComparison:
        """The inverse of to_wire."""
        return cls(
            str(data["how"]),
            {str(b): (int(c[0]), int(c[1])) for b, c in data["counts"].items()},
            [str(p) for p in data["problems"]],
            [(str(b), str(n)) for b, n in data["flagged"]],
            [str(u) for u in data["unexamined"]],
            [(str(b), str(n)) for b, n in data["new_only"]],
            [str(b) for b in data["partial"]],
            [(str(b), str(n)) for b, n in data["retagged"]],
        )


def flagged_names(new: Mapping[str, StoredObject], old: Mapping[str, StoredObject]) -> list[str]:
    """Objects on both sides whose size, content-type or recorded hash differs, or whose
    recorded hash is missing on a side (never taken as equal)."""
    return sorted(
        name
        for name in new.keys() & old.keys()
        if (new[name].size, new[name].mimetype) != (old[name].size, old[name].mimetype)
        or new[name].etag is None
        or new[name].etag != old[name].etag
    )


def retagged_names(new: Mapping[str, StoredObject], old: Mapping[str, StoredObject]) -> list[str]:
    """Of the flagged_names, those flagged by their recorded hash alone (size and content-type
    equal): the same bytes uploaded in parts or in one piece carry different eTags, so these
    are a hint of what to download, never a difference."""
    return sorted(
        name
        for name in flagged_names(new, old)
        if (new[name].size, new[name].mimetype) == (old[name].size, old[name].mimetype)
    )


def buckets_to_compare(app_buckets: Iterable[str], old_ids: Iterable[str]) -> tuple[str, ...]:
    """The app's buckets, then every other bucket old has, by name: a bucket made by hand on
    old (in its dashboard, outside ``[app] buckets``) has its objects compared too."""
    mine = list(dict.fromkeys(app_buckets))
    return (*mine, *sorted(set(old_ids) - set(mine)))


def old_bucket_ids(old: Target, client: Client | None = None) -> list[str]:
    """Old's bucket ids: from its database with a db_url (raises db.DatabaseUnreachable or
    psycopg.Error), else through its Storage API, with `client` (the session's service-role
    client on old) when given (raises the client's errors)."""
    if old.db_url:
        with db.connect(old.db_url) as conn:
            return [str(r[0]) for r in conn.execute("select id from storage.buckets").fetchall()]
    client = client or supabase_client(old, old.server_key)
    return [str(bucket.id) for bucket in client.storage.list_buckets()]


def _objects(found: Mapping[str, ObjectMetadata]) -> dict[str, StoredObject]:
    return {n: StoredObject(n, m.size, m.mimetype, m.etag, owner=m.owner) for n, m in found.items()}


def compare_in_databases(
    new_url: str, old_url: str, buckets: Iterable[str], later: Mapping[str, Collection[str]]
) -> MetadataComparison:
    """Compare every object of each bucket in the two databases, but those in `later` (written
    on new after the cutover, left out on both sides); raises db.DatabaseUnreachable."""
    with db.connect(new_url) as new, db.connect(old_url) as old:
        return compare_databases(new, old, buckets, later)


def compare_databases(
    new: psycopg.Connection,
    old: psycopg.Connection,
    buckets: Iterable[str],
    later: Mapping[str, Collection[str]],
) -> MetadataComparison:
    """compare_in_databases on open connections."""
    counts: dict[str, tuple[int, int]] = {}
    problems: list[str] = []
    flagged: list[tuple[str, str]] = []
    unexamined: list[str] = []
    new_only: list[tuple[str, str]] = []
    partial: list[str] = []
    retagged: list[tuple[str, str]] = []
    for bucket in buckets:
        leave_out = later.get(bucket, ())
        ours, theirs = bucket_sums(new, bucket, leave_out), bucket_sums(old, bucket, leave_out)
        counts[bucket] = (theirs.objects, ours.objects)
        if ours == theirs:
            continue
        found = differing_objects(new, old, bucket, leave_out)
        a, b = _objects(found.new), _objects(found.old)
        problems += listing_differences(bucket, a, b)
        flagged += [(bucket, n) for n in flagged_names(a, b)]
        retagged += [(bucket, n) for n in retagged_names(a, b)]
        new_only += [(bucket, n) for n in sorted(a.keys() - b.keys())]
        if found.unexamined_partitions:
            partial.append(bucket)
            unexamined.append(
                f"{bucket}: more objects differ than are listed ({found.unexamined_partitions}"
                " differing hash partitions of the names were not examined)"
            )
    return MetadataComparison(
        IN_DATABASES, counts, problems, flagged, unexamined, new_only, partial, retagged
    )


Listing = Mapping[str, Mapping[str, StoredObject]]


def compare_listings(new: Listing, old: Listing, buckets: Iterable[str]) -> MetadataComparison:
    """Compare the Storage API's full listings of each bucket."""
    counts: dict[str, tuple[int, int]] = {}
    problems: list[str] = []
    flagged: list[tuple[str, str]] = []
    new_only: list[tuple[str, str]] = []
    retagged: list[tuple[str, str]] = []
    for bucket in buckets:
        ours, theirs = new.get(bucket, {}), old.get(bucket, {})
        counts[bucket] = (len(theirs), len(ours))
        problems += listing_differences(bucket, ours, theirs)
        flagged += [(bucket, n) for n in flagged_names(ours, theirs)]
        retagged += [(bucket, n) for n in retagged_names(ours, theirs)]
        new_only += [(bucket, n) for n in sorted(ours.keys() - theirs.keys())]
    return MetadataComparison(
        THROUGH_LISTINGS, counts, problems, flagged, new_only=new_only, retagged=retagged
    )


def sample_in_databases(
    new_url: str,
    old_url: str,
    buckets: Iterable[str],
    per_bucket: int,
    later: Mapping[str, Collection[str]],
) -> list[tuple[str, str]]:
    """Up to `per_bucket` of old's objects per bucket, chosen at random now, that new holds
    too (but those written on new after the cutover)."""
    chosen: list[tuple[str, str]] = []
    with db.connect(new_url) as new, db.connect(old_url) as old:
        for bucket in buckets:
            names = random_names(old, bucket, per_bucket, later.get(bucket, ()))
            on_new = existing_names(new, bucket, names) if names else set()
            chosen += [(bucket, n) for n in names if n in on_new]
    return chosen


def sample_of_listings(
    new: Listing, old: Listing, buckets: Iterable[str], per_bucket: int
) -> list[tuple[str, str]]:
    """Up to `per_bucket` objects per bucket that both listings hold, chosen at random now."""
    chosen: list[tuple[str, str]] = []
    for bucket in buckets:
        both = sorted(new.get(bucket, {}).keys() & old.get(bucket, {}).keys())
        chosen += [(bucket, n) for n in random.sample(both, min(per_bucket, len(both)))]
    return chosen


def retagged_to_download(
    retagged: Iterable[tuple[str, str]], per_bucket: int
) -> list[tuple[str, str]]:
    """Up to `per_bucket` of each bucket's objects whose eTag alone differs, chosen at random
    now, by bucket and name: downloaded besides the sample, so the bytes decide; the rest are
    not downloaded, and that fails nothing."""
    by_bucket: dict[str, list[str]] = {}
    for bucket, name in sorted(set(retagged)):
        by_bucket.setdefault(bucket, []).append(name)
    return sorted(
        (bucket, name)
        for bucket, names in by_bucket.items()
        for name in random.sample(names, min(per_bucket, len(names)))
    )


def to_download(
    sample: Iterable[tuple[str, str]],
    flagged: Iterable[tuple[str, str]],
    retagged: Iterable[tuple[str, str]] = (),
) -> list[tuple[str, str]]:
    """The objects downloaded from both sides: the sample, the first MAX_FLAGGED objects
    flagged by size or content-type, and `retagged` (those retagged_to_download chose), each
    once, by bucket and name."""
    return sorted(set(sample) | set(sorted(flagged)[:MAX_FLAGGED]) | set(retagged))
