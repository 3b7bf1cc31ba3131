"""Storage-parity's metadata half, inside the two databases: every object of a bucket compared
old against new by name, size, content-type and owner, as ``storage.objects`` keeps them.

Each side sums its objects' 64-bit row hashes per bucket in one scan; only where the sums
differ does it drill down, by hash partitions of the object names (256, then 256 within each
differing one), and fetch the objects of the differing partitions. A million equal objects
cost a few scans and no row leaves the database; a bucket where very many differ is listed up
to a bound and says how much was left unexamined.

The recorded hash (Storage's ``eTag``) is summed apart in the same scans, as a hint only: it is
what S3 answered the upload (a multipart or resumable upload's is not the bytes' md5), so the
same bytes often carry another eTag on new after a bucket sync. Partitions where only those
sums differ are drilled into in the room the differing ones leave, to point downloads at
objects whose eTag differs; they never make a bucket differ nor count as unexamined.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import psycopg
from psycopg import sql

# Partition of an object: 16 bits of a hash of its name; level 1 is the high 8 bits.
_PARTITION = sql.SQL("(hashtextextended(o.name, 1) & 65535)")
# Who owns an object: Storage's owner_id (text), else its older uuid column.
OWNER = sql.SQL("coalesce(o.owner_id, o.owner::text)")
# One row's hash: its name, size, content-type and owner, nulls kept apart from "".
_ROW_HASH = sql.SQL(
    "hashtextextended(concat(o.name, E'\\x1f', coalesce(o.metadata->>'size', E'\\x01'),"
    " E'\\x1f', coalesce(o.metadata->>'mimetype', E'\\x01'), E'\\x1f',"
    " coalesce({owner}, E'\\x01')), 0)"
).format(owner=OWNER)
# One row's recorded hash (eTag) with its name: a hint of which objects to download, never a
# difference (identical bytes uploaded in parts or in one piece carry different eTags).
_ETAG_HASH = sql.SQL(
    "hashtextextended(concat(o.name, E'\\x1f', coalesce(o.metadata->>'eTag', E'\\x01')), 0)"
)
# Level-1 partitions drilled into at once, and level-2 partitions whose objects are fetched:
# about 64 x (objects / 65,536) objects per side, a few thousand at 10 million objects.
LEVEL_ONE_AT_ONCE = 8
LEVEL_TWO_AT_ONCE = 64


@dataclass(frozen=True)
class ObjectMetadata:
    """One object as ``storage.objects`` records it: size, content-type, recorded hash, owner
    (the user id; None: owned by no one, as after an upload with the service key)."""

    size: int | None
    mimetype: str | None
    etag: str | None
    owner: str | None = None


@dataclass(frozen=True)
class BucketSums:
    """A bucket's compared objects on one side: how many, the exact sum of their hashes (name,
    size, content-type, owner), and that of their recorded hashes (eTag, a hint only)."""

    objects: int
    checksum: int
    etags: int


@dataclass(frozen=True)
class DifferingObjects:
    """What the drill-down found in one bucket whose sums differ: the metadata on new and on
    old (None: not there) of each object of the partitions examined (those whose name, size,
    content-type or owner differ, then, in the room left, some whose eTag alone does), and how
    many partitions where those differ were left unexamined (bounded work)."""

    new: dict[str, ObjectMetadata]
    old: dict[str, ObjectMetadata]
    unexamined_partitions: int


def _compared(bucket: str, leave_out: Collection[str]) -> sql.Composable:
    condition = sql.SQL("o.bucket_id = {}").format(sql.Literal(bucket))
    if leave_out:
        condition = sql.SQL("{} and not (o.name = any({}))").format(
            condition, sql.Literal(sorted(leave_out))
        )
    return condition


def bucket_sums(
    conn: psycopg.Connection, bucket: str, leave_out: Collection[str] = ()
) -> BucketSums:
    """Count, checksum and eTags' checksum of the bucket's objects (but those in `leave_out`),
    in one scan."""
    row = conn.execute(
        sql.SQL(
            "select count(*), coalesce(sum({h}), 0), coalesce(sum({e}), 0)"
            " from storage.objects o where {w}"
        ).format(h=_ROW_HASH, e=_ETAG_HASH, w=_compared(bucket, leave_out))
    ).fetchone()
    return BucketSums(0, 0, 0) if row is None else BucketSums(*(int(v) for v in row))


# Per partition: (objects, checksum, eTags' checksum).
PartitionSums = Mapping[int, tuple[int, int, int]]


def _partition_sums(
    conn: psycopg.Connection,
    bucket: str,
    leave_out: Collection[str],
    level_one: list[int] | None,
) -> dict[int, tuple[int, int, int]]:
    """Level 1 (`level_one` None): per high byte of the partition; else per partition within
    those level-1 partitions. partition -> (objects, checksum, eTags' checksum)."""
    if level_one is None:
        group = sql.SQL("{} >> 8").format(_PARTITION)
        where = _compared(bucket, leave_out)
    else:
        group = _PARTITION
        where = sql.SQL("{} and ({} >> 8) = any({})").format(
            _compared(bucket, leave_out), _PARTITION, sql.Literal(level_one)
        )
    query = sql.SQL(
        "select {g}, count(*), sum({h}), sum({e}) from storage.objects o where {w} group by 1"
    ).format(g=group, h=_ROW_HASH, e=_ETAG_HASH, w=where)
    return {int(p): (int(n), int(s), int(e)) for p, n, s, e in conn.execute(query).fetchall()}


def _objects_in(
    conn: psycopg.Connection, bucket: str, leave_out: Collection[str], partitions: list[int]
) -> dict[str, ObjectMetadata]:
    query = sql.SQL(
        "select o.name, (o.metadata->>'size')::numeric::bigint, o.metadata->>'mimetype',"
        " o.metadata->>'eTag', {owner} from storage.objects o where {w} and {p} = any({parts})"
    ).format(
        owner=OWNER,
        w=_compared(bucket, leave_out),
        p=_PARTITION,
        parts=sql.Literal(partitions),
    )
    return {
        str(name): ObjectMetadata(None if size is None else int(size), mimetype, etag, owner)
        for name, size, mimetype, etag, owner in conn.execute(query).fetchall()
    }


def _differing(a: PartitionSums, b: PartitionSums) -> tuple[list[int], list[int]]:
    """The partitions whose objects differ (how many, or their name, size, content-type or
    owner), and those where only the eTags do."""
    differ: list[int] = []
    retagged: list[int] = []
    for p in sorted(set(a) | set(b)):
        ours, theirs = a.get(p), b.get(p)
        if ours is None or theirs is None or ours[:2] != theirs[:2]:
            differ.append(p)
        elif ours[2] != theirs[2]:
            retagged.append(p)
    return differ, retagged


def _in_room(retagged: list[int], room: int) -> list[int]:
    # A random few each run: over runs, the eTag hint points at other objects.
    return sorted(random.sample(retagged, max(0, min(room, len(retagged)))))


Sides = tuple[dict[str, ObjectMetadata], dict[str, ObjectMetadata]]


def drill_down(
    sums: Callable[[list[int] | None], tuple[PartitionSums, PartitionSums]],
    objects: Callable[[list[int]], Sides],
) -> DifferingObjects:
    """differing_objects on any source of new's and old's partition sums (`sums(None)`: level
    1, `sums(level_one)`: the partitions within those) and objects (`objects(partitions)`).
    The first partitions whose name, size, content-type or owner differ are examined and the rest
    counted as unexamined; partitions where only the eTags differ fill the room left, and are
    never counted: an eTag alone neither makes a bucket differ nor leaves it unexamined."""
    level_one, retagged_one = _differing(*sums(None))
    chosen = level_one[:LEVEL_ONE_AT_ONCE]
    hinted = _in_room(retagged_one, LEVEL_ONE_AT_ONCE - len(chosen))
    level_two, retagged_two = _differing(*sums(sorted(chosen + hinted)))
    fetched = level_two[:LEVEL_TWO_AT_ONCE]
    unexamined = len(level_one) - len(chosen) + len(level_two) - len(fetched)
    new, old = objects(sorted(fetched + _in_room(retagged_two, LEVEL_TWO_AT_ONCE - len(fetched))))
    return DifferingObjects(new, old, unexamined)


def differing_objects(
    new: psycopg.Connection, old: psycopg.Connection, bucket: str, leave_out: Collection[str] = ()
) -> DifferingObjects:
    """Drill down a bucket whose sums differ: the objects of the first differing partitions
    (and, in the room left, of some where only the eTags differ), from both sides (three
    bounded scans per side)."""

    def sums(level_one: list[int] | None) -> tuple[PartitionSums, PartitionSums]:
        return (
            _partition_sums(new, bucket, leave_out, level_one),
            _partition_sums(old, bucket, leave_out, level_one),
        )

    def objects(partitions: list[int]) -> Sides:
        return (
            _objects_in(new, bucket, leave_out, partitions),
            _objects_in(old, bucket, leave_out, partitions),
        )

    return drill_down(sums, objects)


def random_names(
    conn: psycopg.Connection, bucket: str, count: int, leave_out: Collection[str] = ()
) -> list[str]:
    """`count` of the bucket's objects (but those in `leave_out`), chosen at random now."""
    rows = conn.execute(
        sql.SQL(
            "select o.name from storage.objects o where {w} order by random() limit {n}"
        ).format(w=_compared(bucket, leave_out), n=sql.Literal(count))
    ).fetchall()
    return [str(r[0]) for r in rows]


def existing_names(conn: psycopg.Connection, bucket: str, names: list[str]) -> set[str]:
    """Which of `names` the bucket holds (by its (bucket_id, name) index)."""
    rows = conn.execute(
        "select name from storage.objects where bucket_id = %s and name = any(%s)", (bucket, names)
    ).fetchall()
    return {str(r[0]) for r in rows}
