"""storage-parity's metadata comparison inside the databases, against a real stand-in: one
object missing, one extra, one with another content-type, size, owner or recorded hash among
3,000 is named (or flagged, for the hash) and nothing else; a whole bucket changed is listed up to a
bound and says so; objects written after the cutover are left out; the sample is random.

"Old" is the committed bucket; "new" is a second connection that changes it inside a
transaction it rolls back, so both sides are the same database seen before and after damage.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from postmigration import db
from postmigration.db.storage_metadata import random_names
from postmigration.storage_parity import compare_databases
from reference.stack.runner import StackProcess

BUCKET = "pm-metadata-test"
OBJECTS = 3000


def _name(n: int) -> str:
    return f"u{n % 7}/{n:05d}.png"


@pytest.fixture(scope="module")
def old(stack: StackProcess) -> Iterator[psycopg.Connection]:
    """The bucket with 3,000 objects, committed (removed at the end)."""
    with db.connect(str(stack.target["db_url"])) as conn:
        conn.execute("insert into storage.buckets (id, name) values (%s, %s)", (BUCKET, BUCKET))
        conn.execute(
            """
            insert into storage.objects (bucket_id, name, metadata)
            select %s, 'u' || (g %% 7) || '/' || lpad(g::text, 5, '0') || '.png',
                   jsonb_build_object('eTag', '"' || md5(g::text) || '"', 'size', 100 + g,
                                      'mimetype', 'image/png')
            from generate_series(0, %s - 1) g
            """,
            (BUCKET, OBJECTS),
        )
        try:
            yield conn
        finally:
            conn.execute("delete from storage.objects where bucket_id = %s", (BUCKET,))
            conn.execute("delete from storage.buckets where id = %s", (BUCKET,))


@pytest.fixture
def new(stack: StackProcess, old: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """A second connection whose changes stay in a transaction rolled back afterwards."""
    with psycopg.connect(str(stack.target["db_url"])) as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def _set(new: psycopg.Connection, key: str, value: str, n: int) -> None:
    new.execute(
        "update storage.objects set metadata = jsonb_set(metadata, %s, %s::jsonb)"
        " where bucket_id = %s and name = %s",
        ([key], value, BUCKET, _name(n)),
    )


def test_equal_buckets_compare_equal(new: psycopg.Connection, old: psycopg.Connection) -> None:
    found = compare_databases(new, old, [BUCKET], {})
    assert found.counts == {BUCKET: (OBJECTS, OBJECTS)}
    assert (found.problems, found.flagged, found.unexamined) == ([], [], [])


def test_each_differing_object_is_named_and_the_hash_only_flagged(
    new: psycopg.Connection, old: psycopg.Connection
) -> None:
    new.execute(
        "delete from storage.objects where bucket_id = %s and name = %s", (BUCKET, _name(5))
    )
    new.execute(
        "insert into storage.objects (bucket_id, name, metadata) values (%s, 'extra.png', '{}')",
        (BUCKET,),
    )
    _set(new, "mimetype", '"application/octet-stream"', 10)
    _set(new, "size", "1", 20)
    _set(new, "eTag", '"0"', 30)
    new.execute(
        "update storage.objects set metadata = metadata - 'eTag' where bucket_id = %s and name = %s",
        (BUCKET, _name(40)),
    )
    found = compare_databases(new, old, [BUCKET], {})
    assert found.counts == {BUCKET: (OBJECTS, OBJECTS)}
    assert sorted(found.problems) == sorted(
        [
            f"{BUCKET}/{_name(5)} is missing on new",
            f"{BUCKET}/extra.png is on new but not on old",
            f"{BUCKET}/{_name(10)}: content-type is application/octet-stream on new but image/png"
            " on old",
            f"{BUCKET}/{_name(20)}: 1 bytes on new but 120 on old",
        ]
    )
    assert sorted(found.flagged) == sorted((BUCKET, _name(n)) for n in (10, 20, 30, 40))
    assert found.unexamined == []


def test_an_object_that_lost_its_owner_is_named_and_not_downloaded(
    new: psycopg.Connection, old: psycopg.Connection
) -> None:
    """Owners are compared by owner_id, else the older uuid column: an object whose owner
    differs is a difference (its bytes are the same: it is not flagged for download)."""
    uid = "6f1c2b7e-0000-4000-8000-000000000002"
    old.execute(
        "update storage.objects set owner = %s::uuid where bucket_id = %s and name = %s",
        (uid, BUCKET, _name(50)),
    )
    try:
        new.execute(
            "update storage.objects set owner = null, owner_id = null"
            " where bucket_id = %s and name = %s",
            (BUCKET, _name(50)),
        )
        new.execute(
            "update storage.objects set owner_id = 'someone-else' where bucket_id = %s and name = %s",
            (BUCKET, _name(60)),
        )
        found = compare_databases(new, old, [BUCKET], {})
    finally:
        new.rollback()
        old.execute(
            "update storage.objects set owner = null where bucket_id = %s and name = %s",
            (BUCKET, _name(50)),
        )
    assert sorted(found.problems) == sorted(
        [
            f"{BUCKET}/{_name(50)}: owned by no one on new but by user {uid} on old",
            f"{BUCKET}/{_name(60)}: owned by user someone-else on new but by no one on old",
        ]
    )
    assert found.flagged == [] and found.unexamined == []


def test_objects_written_after_the_cutover_are_left_out(
    new: psycopg.Connection, old: psycopg.Connection
) -> None:
    _set(new, "eTag", '"0"', 30)
    found = compare_databases(new, old, [BUCKET], {BUCKET: {_name(30)}})
    assert found.counts == {BUCKET: (OBJECTS - 1, OBJECTS - 1)}
    assert found.flagged == []


def test_a_whole_bucket_changed_is_listed_up_to_a_bound_and_says_so(
    new: psycopg.Connection, old: psycopg.Connection
) -> None:
    new.execute(
        "update storage.objects set metadata = jsonb_set(metadata, '{mimetype}', '\"x/y\"')"
        " where bucket_id = %s",
        (BUCKET,),
    )
    found = compare_databases(new, old, [BUCKET], {})
    assert 0 < len(found.problems) < OBJECTS
    assert all("content-type is x/y on new but image/png on old" in p for p in found.problems)
    (line,) = found.unexamined
    assert line.startswith(f"{BUCKET}: more objects differ than are listed ("), line


def test_the_sample_is_random(old: psycopg.Connection) -> None:
    samples = {tuple(random_names(old, BUCKET, 5)) for _ in range(3)}
    assert len(samples) > 1 and all(len(s) == 5 for s in samples)
