"""storage-parity's comparison in the databases, its logic on Python data (no database): the
recorded hash (eTag) is a hint of what to download, never a difference.

A multipart or resumable upload's eTag is ``"<md5>-N"``, a single upload's the plain md5, so
the same bytes commonly carry different eTags on old and new after a bucket sync. Proves: many
objects whose eTag alone differs fail nothing, leave nothing unexamined and never count towards
the 1,000 flagged objects; a few of them per bucket are still pointed at for download; an
object whose size differs among them is named; very many objects whose size differs still
leave partitions unexamined, saying so.

The database's sums are modelled here with the same partitions and row hashes in Python
(``compare_databases`` runs as it is, on ``drill_down``); the SQL itself is run by
selftests/db/test_storage_metadata.py and the gate's damage tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping

import pytest

from postmigration import storage_parity
from postmigration.db import storage_metadata
from postmigration.db.storage_metadata import (
    LEVEL_ONE_AT_ONCE,
    BucketSums,
    DifferingObjects,
    ObjectMetadata,
    drill_down,
)
from postmigration.storage import StoredObject
from postmigration.storage_parity import (
    MAX_FLAGGED,
    MetadataComparison,
    compare_databases,
    compare_listings,
    retagged_to_download,
    to_download,
)

BUCKET = "avatars"
OBJECTS = 2000
RETAGGED = 20

# A side's storage.objects: bucket -> name -> metadata.
Database = Mapping[str, Mapping[str, ObjectMetadata]]


def _hash(*parts: object) -> int:
    """A signed 64-bit hash, as hashtextextended gives."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _partition(name: str) -> int:
    return _hash("partition", name) & 65535


def _objects_of(side: Database, bucket: str, leave_out: Collection[str]) -> Iterator[tuple]:
    return ((n, m) for n, m in side.get(bucket, {}).items() if n not in leave_out)


def _sums(
    side: Database, bucket: str, leave_out: Collection[str], level_one: list[int] | None
) -> dict[int, tuple[int, int, int]]:
    """What _partition_sums asks the database: (objects, row hashes, eTag hashes) per
    partition, the row hash of name, size and content-type only."""
    sums: dict[int, tuple[int, int, int]] = {}
    for name, m in _objects_of(side, bucket, leave_out):
        partition = _partition(name)
        if level_one is not None and partition >> 8 not in level_one:
            continue
        key = partition >> 8 if level_one is None else partition
        n, checksum, etags = sums.get(key, (0, 0, 0))
        sums[key] = (n + 1, checksum + _hash(name, m.size, m.mimetype), etags + _hash(name, m.etag))
    return sums


def _bucket_sums(side: Database, bucket: str, leave_out: Collection[str] = ()) -> BucketSums:
    level_one = _sums(side, bucket, leave_out, None).values()
    return BucketSums(*(sum(s[i] for s in level_one) for i in range(3)))


def _differing_objects(
    new: Database, old: Database, bucket: str, leave_out: Collection[str] = ()
) -> DifferingObjects:
    def objects(side: Database, partitions: list[int]) -> dict[str, ObjectMetadata]:
        return {
            n: m for n, m in _objects_of(side, bucket, leave_out) if _partition(n) in partitions
        }

    return drill_down(
        lambda level_one: (
            _sums(new, bucket, leave_out, level_one),
            _sums(old, bucket, leave_out, level_one),
        ),
        lambda partitions: (objects(new, partitions), objects(old, partitions)),
    )


@pytest.fixture(autouse=True)
def databases_in_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """compare_databases reads these Python "databases" instead of storage.objects."""
    monkeypatch.setattr(storage_parity, "bucket_sums", _bucket_sums)
    monkeypatch.setattr(storage_parity, "differing_objects", _differing_objects)


def _name(n: int) -> str:
    return f"u{n % 7}/{n:05d}.png"


def _md5(n: int) -> str:
    return hashlib.md5(str(n).encode()).hexdigest()


def _old() -> dict[str, dict[str, ObjectMetadata]]:
    """A bucket of 2,000 objects, each with its single upload's eTag (the plain md5)."""
    return {
        BUCKET: {
            _name(n): ObjectMetadata(100 + n, "image/png", f'"{_md5(n)}"') for n in range(OBJECTS)
        }
    }


def _retagged(old: Database, count: int) -> dict[str, dict[str, ObjectMetadata]]:
    """Old's objects with the first `count` uploaded again in parts: eTag "<md5>-2"."""
    new = {BUCKET: dict(old[BUCKET])}
    for n in range(count):
        m = new[BUCKET][_name(n)]
        new[BUCKET][_name(n)] = ObjectMetadata(m.size, m.mimetype, f'"{_md5(n)}-2"')
    return new


def _compare(new: Database, old: Database) -> MetadataComparison:
    return compare_databases(new, old, [BUCKET], {})  # type: ignore[arg-type]


def test_the_hash_compared_in_the_databases_leaves_the_etag_out() -> None:
    """The row hash summed in storage.objects is of name, size and content-type; the eTag is
    summed apart."""
    row = storage_metadata._ROW_HASH.as_string()
    assert "'size'" in row and "'mimetype'" in row and "eTag" not in row, row
    assert "eTag" in storage_metadata._ETAG_HASH.as_string()


def test_many_etags_differing_alone_fail_nothing_and_leave_nothing_unexamined() -> None:
    """20 objects whose eTag alone differs, in more partitions than are drilled into at once:
    no problem, nothing unexamined, nothing counted towards MAX_FLAGGED; some are still
    flagged as a hint, within the room the drill-down has."""
    old = _old()
    new = _retagged(old, RETAGGED)
    spread = {_partition(_name(n)) >> 8 for n in range(RETAGGED)}
    assert len(spread) > LEVEL_ONE_AT_ONCE, "the eTags must differ in many partitions"
    found = _compare(new, old)
    assert found.counts == {BUCKET: (OBJECTS, OBJECTS)}
    assert (found.problems, found.unexamined, found.partial) == ([], [], [])
    assert found.flagged_by_size_or_type == []
    retagged = {(BUCKET, _name(n)) for n in range(RETAGGED)}
    assert found.retagged and set(found.retagged) <= retagged
    assert set(found.flagged) == set(found.retagged)


def test_an_object_whose_size_differs_among_them_is_named() -> None:
    """Among the 20 whose eTag alone differs, one object's size differs too: it alone is
    named, flagged by its size and downloaded; still nothing unexamined."""
    old = _old()
    new = _retagged(old, RETAGGED)
    resized = _name(1234)
    m = new[BUCKET][resized]
    new[BUCKET][resized] = ObjectMetadata(m.size + 1, m.mimetype, m.etag)
    found = _compare(new, old)
    assert found.problems == [f"{BUCKET}/{resized}: 1335 bytes on new but 1334 on old"]
    assert found.unexamined == []
    assert found.flagged_by_size_or_type == [(BUCKET, resized)]
    assert (BUCKET, resized) not in found.retagged
    assert (BUCKET, resized) in to_download([], found.flagged_by_size_or_type, found.retagged)


def test_very_many_sizes_differing_still_leave_partitions_unexamined() -> None:
    """The bound holds for real differences: 200 objects whose size differs are listed up to
    the bound, and the bucket says how much was left unexamined."""
    old = _old()
    new = {BUCKET: dict(old[BUCKET])}
    for n in range(200):
        m = new[BUCKET][_name(n)]
        new[BUCKET][_name(n)] = ObjectMetadata(m.size + 1, m.mimetype, m.etag)
    found = _compare(new, old)
    assert 0 < len(found.problems) < 200
    (line,) = found.unexamined
    assert line.startswith(f"{BUCKET}: more objects differ than are listed ("), line
    assert found.partial == [BUCKET]


def test_thousands_of_etags_never_reach_the_flagged_bound() -> None:
    """Through the listings every object of a bucket whose eTags all differ is flagged, yet
    none counts towards MAX_FLAGGED: only `per_bucket` of them, chosen at random, are
    downloaded besides the sample, and that fails nothing."""

    def listing(etag: str) -> dict[str, StoredObject]:
        return {
            f"{n:05d}": StoredObject(f"{n:05d}", n, "image/png", etag)
            for n in range(MAX_FLAGGED + 500)
        }

    found = compare_listings({BUCKET: listing('"a-2"')}, {BUCKET: listing('"a"')}, [BUCKET])
    assert found.problems == [] and found.flagged_by_size_or_type == []
    assert len(found.retagged) == len(found.flagged) == MAX_FLAGGED + 500
    chosen = [retagged_to_download(found.retagged, 20) for _ in range(3)]
    assert all(len(c) == 20 and set(c) <= set(found.retagged) for c in chosen)
    assert len({tuple(c) for c in chosen}) > 1, "the same eTag hints three times"
    assert len(to_download([(BUCKET, "00001")], found.flagged_by_size_or_type, chosen[0])) <= 21
    assert MetadataComparison.from_wire(found.to_wire()) == found
