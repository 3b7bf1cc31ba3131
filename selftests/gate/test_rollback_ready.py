"""rollback-ready says NO-GO, naming the cause, when old could not take the users back.

On the shared `breakable` playbook run (old is left exactly as found):
- old's "avatars" bucket emptied, its "course-thumbnails" bucket deleted, 100 of its
  "chat-images" objects deleted, and its database made read-only (`alter database ... set
  default_transaction_read_only = on`), after the move: each cause named by its own test of the
  item, with the objects compared in the databases (where the drill-down examines only some of
  chat-images' differing partitions, so it says "at most") and, with new's db_url left out,
  listed through old's Storage API (every object listed: an exact count);
- old's Storage API refusing to list objects (old's service_role without SELECT on
  storage.objects): named on the databases path and on the API-listing path;
- old's API down (the gate pointed at a closed port for old's URL, old itself untouched): failed
  in one line naming old's URL, not blocked;
- the last dump missing: rollback-ready's own checks pass, yet the item fails with
  rollback-dump's reason (its outcome folded in, the dump never restored by rollback-ready);
- nightly: not applicable in this phase, whatever old does.
A clean post-cutover run passing rollback-ready is `assert_clean_go` in the whole-suite runs.
"""

from __future__ import annotations

import socket
from pathlib import Path

from selftests.gate.conftest import (
    ServingPlaybook,
    SuiteRun,
    damaged,
    gate_on,
    item_files,
    query_one,
    without_new_db_url,
)

READY = item_files("rollback-ready")
DUMP = item_files("rollback-dump")
# Old's objects are kept aside in a schema of their own while the buckets are broken.
_SAVED = "pm_selftest_rollback"
# How many of old's chat-images objects a break deletes: their names fall into more hash
# partitions than storage-parity's drill-down examines at once.
_CHAT_IMAGES_LOST = 100
_COLUMNS = (
    "id, bucket_id, name, owner, owner_id, metadata, user_metadata, version, created_at, "
    "updated_at, last_accessed_at"
)


def _messages(run: SuiteRun) -> dict[str, str]:
    """test name -> its message, for rollback-ready's tests."""
    return {
        str(t["nodeid"]).rsplit("::", 1)[-1]: str(t["message"])
        for t in run.item("rollback-ready")["tests"]
    }


def _no_leak(run: SuiteRun, playbook: ServingPlaybook) -> None:
    texts = run.report_texts()
    assert "Traceback" not in texts, run.digest()
    leaked = [s[:4] + "…" for s in playbook.secrets() if s in texts]
    assert not leaked, f"secrets reached the output or reports: {leaked}"


def _old_storage_counts(playbook: ServingPlaybook) -> tuple:
    return query_one(
        playbook,
        "old",
        "select (select count(*) from storage.objects), (select count(*) from storage.buckets),"
        " (select md5(string_agg(id::text || name, ',' order by id)) from storage.objects)",
    )


def test_old_emptied_deleted_and_read_only_each_named(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Three breaks of old after the move, one gate run: each of the item's tests names its
    cause; old is as it was afterwards."""
    before = _old_storage_counts(breakable)
    database = str(query_one(breakable, "old", "select current_database()")[0])
    (chat_images,) = query_one(
        breakable, "old", "select count(*) from storage.objects where bucket_id = 'chat-images'"
    )
    kept = chat_images - _CHAT_IMAGES_LOST
    breaks = [
        # Old's storage loses objects, nothing else: the app's trigger on_avatar_deleted must not
        # forget the profiles' avatar URLs on old (a drift from new no repair puts back, which
        # failed data-parity's clean run when this file ran before it on one worker).
        "set session_replication_role = replica",
        f"create schema {_SAVED}",
        f"create table {_SAVED}.objects as select {_COLUMNS} from storage.objects "
        "where bucket_id in ('avatars', 'course-thumbnails')",
        f"create table {_SAVED}.buckets as select * from storage.buckets "
        "where id = 'course-thumbnails'",
        f"insert into {_SAVED}.objects select {_COLUMNS} from storage.objects "
        f"where bucket_id = 'chat-images' order by name limit {_CHAT_IMAGES_LOST}",
        "delete from storage.objects where bucket_id in ('avatars', 'course-thumbnails')",
        f"delete from storage.objects where id in (select id from {_SAVED}.objects "
        "where bucket_id = 'chat-images')",
        "delete from storage.buckets where id = 'course-thumbnails'",
    ]
    repairs = [
        f"insert into storage.buckets select * from {_SAVED}.buckets "
        "where id not in (select id from storage.buckets)",
        f"insert into storage.objects ({_COLUMNS}) select {_COLUMNS} from {_SAVED}.objects "
        "where id not in (select id from storage.objects)",
        f"drop schema if exists {_SAVED} cascade",
    ]
    read_only = [f'alter database "{database}" set default_transaction_read_only = on']
    writable = [
        "set default_transaction_read_only = off",
        f'alter database "{database}" reset default_transaction_read_only',
    ]
    # The second run leaves new's db_url out: old's objects are then listed through its API.
    through_api = without_new_db_url(breakable, tmp_path / "no-db-url.toml")
    with damaged(breakable, "old", breaks, repairs), damaged(breakable, "old", read_only, writable):
        run = gate_on(breakable, tmp_path / "report", *READY)
        listed = gate_on(breakable, tmp_path / "listed", *READY, config=through_api)
    assert _old_storage_counts(breakable) == before, "old's storage was not restored as found"
    item = run.item("rollback-ready")
    assert item["status"] == "failed", run.digest()
    messages = _messages(run)
    database_reason = messages["test_old_database_takes_writes"]
    assert database_reason == (
        "old's database would refuse a rollback's writes: new sessions on "
        f"{database} start read-only (default_transaction_read_only = on)"
    ), database_reason
    storage = messages["test_old_storage_still_holds_its_objects"]
    assert storage.startswith("old's storage no longer holds what a rollback needs: "), storage
    assert 'bucket "avatars" on old holds 0 of the ' in storage, storage
    # The item's reason holds the first problem; the failure (output, junit.xml) lists each.
    assert "(and 2 more)" in storage, storage
    gone = '- bucket "course-thumbnails" is gone from old (new holds 3 objects from the move)'
    assert gone in run.report_texts(), run.output[-3000:]
    # 100 names spread over more hash partitions than the drill-down examines: a bound, said so.
    bound = (
        f'- bucket "chat-images" on old holds at most {kept} of the {chat_images} objects new'
        " holds from the move (missing: chat-images/"
    )
    unseen = "; not every differing object was examined, more may be missing)"
    assert bound in run.output and unseen in run.output, run.output[-3000:]
    assert messages["test_old_api_answers"] == "", messages
    assert str(item["reason"]).startswith(database_reason), item["reason"]
    _no_leak(run, breakable)
    listed_storage = _messages(listed)["test_old_storage_still_holds_its_objects"]
    assert 'bucket "avatars" on old lists 0 of the ' in listed_storage, listed.digest()
    assert gone in listed.report_texts(), listed.output[-3000:]
    exact = f'- bucket "chat-images" on old lists {kept} of the {chat_images} objects new holds'
    assert exact in listed.output, listed.output[-3000:]
    _no_leak(listed, breakable)


def test_old_storage_api_refusing_listings_is_named_on_both_paths(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old's Storage API refusing to list objects (its service_role lost SELECT on
    storage.objects; the buckets still list): named in one line, with the objects compared in
    the databases and with them listed through the API (no traceback either way)."""
    breaks = ["revoke select on storage.objects from service_role"]
    repairs = ["grant select on storage.objects to service_role"]
    through_api = without_new_db_url(breakable, tmp_path / "no-db-url.toml")
    with damaged(breakable, "old", breaks, repairs):
        runs = [
            gate_on(breakable, tmp_path / "db", *READY),
            gate_on(breakable, tmp_path / "api", *READY, config=through_api),
        ]
    for run in runs:
        storage = _messages(run)["test_old_storage_still_holds_its_objects"]
        assert storage.startswith(
            "old's storage no longer holds what a rollback needs: old's Storage API does not "
            'list bucket "avatars": Storage refused the request (403'
        ), run.digest()
        _no_leak(run, breakable)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_old_api_down_fails_naming_old(breakable: ServingPlaybook, tmp_path: Path) -> None:
    """Old's URL on a closed port (a copy of the config; old untouched): failed, naming old's
    URL in one line; at night the same item is not applicable in this phase."""
    old_url = str(breakable.target("old")["supabase_url"])
    dead = f"http://127.0.0.1:{_closed_port()}"
    config = tmp_path / "postmigration.toml"
    text = breakable.config_path.read_text()
    assert f'supabase_url = "{old_url}"' in text
    config.write_text(text.replace(f'supabase_url = "{old_url}"', f'supabase_url = "{dead}"', 1))
    run = gate_on(breakable, tmp_path / "report", *READY, config=config)
    item = run.item("rollback-ready")
    assert item["status"] == "failed", run.digest()
    reason = str(item["reason"])
    assert reason.startswith(
        f"old's API ({dead}) does not answer, a rollback has nowhere to go: GET {dead}/"
    ), reason
    _no_leak(run, breakable)
    night = gate_on(breakable, tmp_path / "night", *READY, "--phase=nightly", config=config)
    at_night = night.item("rollback-ready")
    assert at_night["status"] == "not_applicable", night.digest()
    assert at_night["reason"] == (
        "not applicable in this phase (nightly); applies in pre-cutover, post-cutover"
    ), at_night["reason"]


def test_a_missing_dump_fails_rollback_ready_through_rollback_dump(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old is ready but the dump is gone: rollback-ready's own tests pass, and the item fails
    with rollback-dump's reason (its outcome in the same run, not a second restore)."""
    missing = tmp_path / "gone.dump"
    run = gate_on(breakable, tmp_path / "report", *READY, *DUMP, f"--dump={missing}")
    assert run.item("rollback-dump")["status"] == "failed", run.digest()
    item = run.item("rollback-ready")
    assert {t["outcome"] for t in item["tests"]} == {"passed"}, run.digest()
    assert item["status"] == "failed", run.digest()
    assert str(item["reason"]).startswith(
        "not proved that the last dump restores: rollback-dump failed: "
        f"the rollback dump {missing} does not exist"
    ), item["reason"]
