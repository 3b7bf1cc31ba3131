"""Storage-parity's metadata half, inside the two databases: every object of a bucket compared
old against new by name, size, content-type and recorded hash (Storage's ``eTag``), as
``storage.objects`` keeps them.

Each side sums its objects' 64-bit row hashes per bucket in one scan; only where the sums
differ does it drill down, by hash partitions of the object names (256, then 256 within each
differing one), and fetch the objects of the differing partitions. A million equal objects
cost a few scans and no row leaves the database; a bucket where very many differ is listed up
to a bound and says how much was left unexamined.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import psycopg
from psycopg import sql

# Partition of an object: 16 bits of a hash of its name; level 1 is the high 8 bits.
_PARTITION = sql.SQL("(hashtextextended(o.name, 1) & 65535)")
# One row's hash: its name, size, content-type and recorded hash, nulls kept apart from "".
_ROW_HASH = sql.SQL(
    "hashtextextended(concat(o.name, E'\\x1f', coalesce(o.metadata->>'size', E'\\x01'),"
    " E'\\x1f', coalesce(o.metadata->>'mimetype', E'\\x01'),"
    " E'\\x1f', coalesce(o.metadata->>'eTag', E'\\x01')), 0)"
)
# Level-1 partitions drilled into at once, and level-2 partitions whose objects are fetched:
# about 64 x (objects / 65,536) objects per side, a few thousand at 10 million objects.
LEVEL_ONE_AT_ONCE = 8
LEVEL_TWO_AT_ONCE = 64


@dataclass(frozen=True)
class ObjectMetadata:
    """One object as ``storage.objects`` records it: size, content-type, recorded hash."""

    size: int | None
    mimetype: str | None
    etag: str | None


@dataclass(frozen=True)
class BucketSums:
    """A bucket's compared objects on one side: how many, and the exact sum of their hashes."""

    objects: int
    checksum: int


@dataclass(frozen=True)
class DifferingObjects:
    """What the drill-down found in one bucket whose sums differ: each differing object's
    metadata on new and on old (None: not there), and how many partitions that differ were
    left unexamined (bounded work)."""

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
    """Count and checksum of the bucket's objects (but those in `leave_out`), in one scan."""
    row = conn.execute(
        sql.SQL("select count(*), coalesce(sum({h}), 0) from storage.objects o where {w}").format(
            h=_ROW_HASH, w=_compared(bucket, leave_out)
        )
    ).fetchone()
    return BucketSums(0, 0) if row is None else BucketSums(int(row[0]), int(row[1]))


def _partition_sums(
    conn: psycopg.Connection,
    bucket: str,
    leave_out: Collection[str],
    level_one: list[int] | None,
) -> dict[int, tuple[int, int]]:
    """Level 1 (`level_one` None): per high byte of the partition; else per partition within
    those level-1 partitions. partition -> (objects, checksum)."""
    if level_one is None:
        group = sql.SQL("{} >> 8").format(_PARTITION)
        where = _compared(bucket, leave_out)
    else:
        group = _PARTITION
        where = sql.SQL("{} and ({} >> 8) = any({})").format(
            _compared(bucket, leave_out), _PARTITION, sql.Literal(level_one)
        )
    query = sql.SQL(
        "select {g}, count(*), sum({h}) from storage.objects o where {w} group by 1"
    ).format(g=group, h=_ROW_HASH, w=where)
    return {int(p): (int(n), int(s)) for p, n, s in conn.execute(query).fetchall()}


def _objects_in(
    conn: psycopg.Connection, bucket: str, leave_out: Collection[str], partitions: list[int]
) -> dict[str, ObjectMetadata]:
    query = sql.SQL(
        "select o.name, (o.metadata->>'size')::numeric::bigint, o.metadata->>'mimetype',"
        " o.metadata->>'eTag' from storage.objects o where {w} and {p} = any({parts})"
    ).format(w=_compared(bucket, leave_out), p=_PARTITION, parts=sql.Literal(partitions))
    return {
        str(name): ObjectMetadata(None if size is None else int(size), mimetype, etag)
        for name, size, mimetype, etag in conn.execute(query).fetchall()
    }


def _differing(a: Mapping[int, tuple[int, int]], b: Mapping[int, tuple[int, int]]) -> list[int]:
    return sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))


def differing_objects(
    new: psycopg.Connection, old: psycopg.Connection, bucket: str, leave_out: Collection[str] = ()
) -> DifferingObjects:
    """Drill down a bucket whose sums differ: the objects of the first differing partitions,
    from both sides (three bounded scans per side)."""
    level_one = _differing(
        _partition_sums(new, bucket, leave_out, None), _partition_sums(old, bucket, leave_out, None)
    )
    chosen = level_one[:LEVEL_ONE_AT_ONCE]
    level_two = _differing(
        _partition_sums(new, bucket, leave_out, chosen),
        _partition_sums(old, bucket, leave_out, chosen),
    )
    fetched = level_two[:LEVEL_TWO_AT_ONCE]
    unexamined = len(level_one) - len(chosen) + len(level_two) - len(fetched)
    return DifferingObjects(
        _objects_in(new, bucket, leave_out, fetched),
        _objects_in(old, bucket, leave_out, fetched),
        unexamined,
    )


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
