"""What storage-parity sees of damage its metadata comparison cannot: bytes changed on new under
an unchanged storage.objects row, and a recorded hash (eTag) changed over unchanged bytes.

One gate run of storage-parity on the shared `breakable` playbook, with ``[app] storage_sample
= 3`` and new damaged three ways at once:

- one course thumbnail's bytes overwritten on disk, its row (size, content-type, eTag) left as
  migrated: the metadata agree, so only a download sees it. The bucket holds 3 objects, all
  within the sample of 3: the sample names it. (In a bucket larger than the sample the same
  damage is seen only when the random sample draws it; the README says so.)
- one chat image's eTag changed in its row, its bytes left as migrated: not compared, only
  flagged by the metadata as a hint and downloaded, and its bytes agree, so it is no failure (a
  multipart upload's eTag is not the bytes' md5).
- one avatar's size in its row changed: the metadata comparison, done in the databases, names
  it; flagged, it is downloaded too.

The evidence says how many objects were compared by metadata and how many downloaded. New is
repaired exactly afterwards.

A gate run of its own: a bucket made by hand on old, outside ``[app] buckets``, whose object's
row the restore carried to new without its bytes: storage-parity compares old's every bucket.

Another: 20 avatars on new given a multipart upload's eTag (``"<md5>-2"``) over the bytes old
has, as a bucket sync that uploads in parts leaves them: storage-parity passes (an eTag alone
is no difference, and never leaves partitions unexamined). New is repaired exactly afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from postmigration.db.storage_metadata import LEVEL_ONE_AT_ONCE
from reference.stack.state import StateDir
from selftests.gate.conftest import (
    ServingPlaybook,
    SuiteRun,
    config_changed,
    damaged,
    gate_on,
    item_files,
    query_one,
)
from selftests.gate.conftest import sql_literal as literal

STORAGE_PARITY = "tests/parity/test_storage_parity.py"
SAMPLE = 3
RETAGGED = 20


def with_storage_sample(playbook: ServingPlaybook, path: Path, sample: int) -> Path:
    """The playbook's config with ``[app] storage_sample = sample``."""
    return config_changed(
        playbook, path, lambda config: config.setdefault("app", {}).update(storage_sample=sample)
    )


@dataclass(frozen=True)
class Damage:
    """The three objects damaged on new, as bucket/name."""

    overwritten: str
    retagged: str
    resized: str


def _first(playbook: ServingPlaybook, bucket: str) -> tuple[str, str]:
    name, metadata = query_one(
        playbook,
        "new",
        "select name, metadata::text from storage.objects where bucket_id = %s "
        "order by name limit 1",
        bucket,
    )
    return str(name), str(metadata)


@contextlib.contextmanager
def damage(playbook: ServingPlaybook) -> Iterator[Damage]:
    """Bytes overwritten under an unchanged row, an eTag changed over unchanged bytes, a size
    changed in a row; all put back exactly afterwards."""
    (thumbnails,) = query_one(
        playbook,
        "new",
        "select count(*) from storage.objects where bucket_id = 'course-thumbnails'",
    )
    assert 0 < int(str(thumbnails)) <= SAMPLE, f"{thumbnails} course thumbnails: not all sampled"
    thumbnail, _ = _first(playbook, "course-thumbnails")
    image, image_meta = _first(playbook, "chat-images")
    avatar, avatar_meta = _first(playbook, "avatars")

    def row(bucket: str, name: str) -> str:
        return f"bucket_id = {literal(bucket)} and name = {literal(name)}"

    breaks = [
        "update storage.objects set metadata = jsonb_set(metadata, '{eTag}', "
        f"'\"00000000000000000000000000000000\"') where {row('chat-images', image)}",
        "update storage.objects set metadata = jsonb_set(metadata, '{size}', "
        f"to_jsonb((metadata->>'size')::bigint + 1)) where {row('avatars', avatar)}",
    ]
    repairs = [
        f"update storage.objects set metadata = {literal(image_meta)}::jsonb "
        f"where {row('chat-images', image)}",
        f"update storage.objects set metadata = {literal(avatar_meta)}::jsonb "
        f"where {row('avatars', avatar)}",
    ]
    on_disk = StateDir(playbook.state_dir / "new").storage / "course-thumbnails" / thumbnail
    original = on_disk.read_bytes()
    changed = bytearray(original)
    changed[len(changed) // 2] ^= 0xFF
    with damaged(playbook, "new", breaks, repairs):
        try:
            on_disk.write_bytes(bytes(changed))
            yield Damage(
                f"course-thumbnails/{thumbnail}", f"chat-images/{image}", f"avatars/{avatar}"
            )
        finally:
            on_disk.write_bytes(original)


@pytest.fixture(scope="module")
def sampled_run(
    breakable: ServingPlaybook, tmp_path_factory: pytest.TempPathFactory
) -> tuple[SuiteRun, Damage]:
    """storage-parity with a sample of 3 per bucket on new damaged three ways; new repaired."""
    report = tmp_path_factory.mktemp("strength-storage-sample")
    config = with_storage_sample(breakable, report.parent / "sample-3.toml", SAMPLE)
    with damage(breakable) as damages:
        run = gate_on(breakable, report, STORAGE_PARITY, config=config)
    return run, damages


def _messages(run: SuiteRun) -> dict[str, str]:
    found = run.item("storage-parity")
    assert found["status"] == "failed", run.digest()
    return {str(t["nodeid"]).rsplit("::", 1)[-1]: str(t["message"]) for t in found["tests"]}


def test_bytes_changed_under_unchanged_metadata_are_named_when_sampled(
    sampled_run: tuple[SuiteRun, Damage],
) -> None:
    run, damages = sampled_run
    downloads = _messages(run)[
        "test_a_sample_and_every_flagged_object_have_old_bytes_and_content_type"
    ]
    assert f"{damages.overwritten}: bytes differ from old (sha256 " in downloads, run.digest()


def test_an_etag_alone_flags_a_download_and_the_bytes_decide(
    sampled_run: tuple[SuiteRun, Damage],
) -> None:
    run, damages = sampled_run
    messages = "\n".join(_messages(run).values())
    assert damages.retagged not in messages, run.digest()
    texts = run.report_texts()
    assert "2 objects flagged for download" in texts, run.digest()
    assert "and 2 of 2 objects flagged by the metadata" in texts, run.digest()


def test_a_size_changed_in_the_metadata_is_named_from_the_databases(
    sampled_run: tuple[SuiteRun, Damage],
) -> None:
    run, damages = sampled_run
    metadata = _messages(run)["test_every_object_has_old_name_size_content_type_and_owner"]
    assert f"{damages.resized}: " in metadata and " bytes on new but " in metadata, run.digest()


def test_the_evidence_says_how_many_were_compared_and_downloaded(
    sampled_run: tuple[SuiteRun, Damage],
) -> None:
    run, _ = sampled_run
    texts = run.report_texts()
    assert "compared by name, size, content-type and owner in the databases" in texts, run.digest()
    assert f"chosen at random (up to {SAMPLE} per bucket)" in texts, run.digest()


def test_new_is_repaired(breakable: ServingPlaybook, sampled_run: tuple[SuiteRun, Damage]) -> None:
    """The metadata and bytes as migrated: new's rows and bytes equal old's."""
    _, damages = sampled_run
    for where in (damages.retagged, damages.resized):
        bucket, name = where.split("/", 1)
        query = "select metadata - 'lastModified' from storage.objects where bucket_id = %s and name = %s"
        assert query_one(breakable, "new", query, bucket, name) == query_one(
            breakable, "old", query, bucket, name
        )
    new, old = (StateDir(breakable.state_dir / side).storage for side in ("new", "old"))
    assert (new / damages.overwritten).read_bytes() == (old / damages.overwritten).read_bytes()


def test_a_bucket_made_by_hand_on_old_is_compared_too(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old has a bucket made in its dashboard, outside ``[app] buckets`` ("exports", one
    object); the restore carried its bucket and object rows to new, the bucket sync skipped
    its bytes. storage-parity names the object new cannot serve (it stayed green while only
    the app's buckets were compared); everything is removed afterwards."""
    name, body = "2026/11.csv", b"month,users\n2026-11,1000\n"
    metadata = (
        '{"eTag": "\\"'
        + hashlib.md5(body).hexdigest()
        + '\\"", "size": '
        + str(len(body))
        + ', "mimetype": "text/csv", "cacheControl": "max-age=3600", "contentLength": '
        + str(len(body))
        + ', "httpStatusCode": 200}'
    )
    restored = [
        "insert into storage.buckets (id, name, public) values ('exports', 'exports', false)",
        "insert into storage.objects (bucket_id, name, metadata, version) values "
        f"('exports', {literal(name)}, {literal(metadata)}::jsonb, 'v1')",
    ]
    removed = [
        "delete from storage.objects where bucket_id = 'exports'",
        "delete from storage.buckets where id = 'exports'",
    ]
    on_old = StateDir(breakable.state_dir / "old").storage / "exports" / name
    with damaged(breakable, "old", restored, removed), damaged(breakable, "new", restored, removed):
        try:
            on_old.parent.mkdir(parents=True, exist_ok=True)
            on_old.write_bytes(body)
            run = gate_on(breakable, tmp_path / "reports", STORAGE_PARITY)
        finally:
            shutil.rmtree(on_old.parents[1], ignore_errors=True)
    found = run.item("storage-parity")
    assert found["status"] == "failed", run.digest()
    assert (
        f"exports/{name}: new holds it, but its download from new answered 400" in found["reason"]
    ), run.digest()


def _first_avatars(playbook: ServingPlaybook, count: int) -> list[dict[str, object]]:
    """The first `count` avatars on new, by name, with their metadata as stored."""
    (rows,) = query_one(
        playbook,
        "new",
        "select jsonb_agg(jsonb_build_object('name', name, 'metadata', metadata) order by name)"
        " from (select name, metadata from storage.objects where bucket_id = 'avatars'"
        " order by name limit %s) o",
        count,
    )
    return list(rows or [])


def test_etags_of_a_sync_in_parts_alone_pass(breakable: ServingPlaybook, tmp_path: Path) -> None:
    """20 avatars on new carry a multipart upload's eTag ("<md5>-2") over the bytes old has,
    as a bucket sync that uploads in parts leaves them on hosted Supabase: their name, size
    and content-type agree, so storage-parity passes; the differing eTags (in more hash
    partitions than are drilled into at once) leave nothing unexamined and only point at a
    few downloads, whose bytes agree. New's rows are put back exactly afterwards."""
    avatars = _first_avatars(breakable, RETAGGED)
    assert len(avatars) == RETAGGED, f"{len(avatars)} avatars on new: fewer than {RETAGGED}"
    (spread,) = query_one(
        breakable,
        "new",
        "select count(distinct (hashtextextended(name, 1) & 65535) >> 8) from storage.objects"
        " where bucket_id = 'avatars' and name = any(%s)",
        [a["name"] for a in avatars],
    )
    assert int(str(spread)) > LEVEL_ONE_AT_ONCE, "the eTags must differ in many partitions"
    names = ", ".join(literal(a["name"]) for a in avatars)
    breaks = [
        "update storage.objects set metadata = jsonb_set(metadata, '{eTag}', "
        "to_jsonb(rtrim(metadata->>'eTag', '\"') || '-2\"')) "
        f"where bucket_id = 'avatars' and name in ({names})"
    ]
    repairs = [
        "update storage.objects o set metadata = r.metadata from jsonb_to_recordset("
        f"{literal(json.dumps(avatars))}::jsonb) as r(name text, metadata jsonb) "
        "where o.bucket_id = 'avatars' and o.name = r.name"
    ]
    with damaged(breakable, "new", breaks, repairs):
        (retagged,) = query_one(
            breakable,
            "new",
            "select count(*) from storage.objects where bucket_id = 'avatars' "
            "and right(metadata->>'eTag', 3) = '-2\"'",
        )
        assert int(str(retagged)) == RETAGGED
        run = gate_on(breakable, tmp_path / "reports", *item_files("storage-parity"))
    assert _first_avatars(breakable, RETAGGED) == avatars, "new's avatars not repaired"
    found = run.item("storage-parity")
    assert found["status"] == "passed", run.digest()
    assert "by their eTag alone (not a difference)" in run.report_texts(), run.digest()
