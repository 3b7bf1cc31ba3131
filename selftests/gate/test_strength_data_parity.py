"""schema-parity and data-parity are as strong as their words: damage the shared playbook run,
watch the items fail.

One gate run carries four damages at once (each names its own test in summary.json): a late
auth.users column changed in one row, a trigger left replica-only, replication mode left set on
new's database and on a role, and old's sequence 500 ahead of new's. Other runs: materialized
views missing or left without data, the app's trigger on storage.objects lost (with old, and
without old against the committed snapshot), and an index
left invalid by a failed concurrent build. Everything
is put back exactly afterwards (checked), so the next damage test starts from the clean
migration.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from selftests.gate.conftest import (
    ServingPlaybook,
    SuiteRun,
    damaged,
    gate_on,
    item_files,
    query_one,
)

DATA_PARITY = item_files("data-parity")
SCHEMA_PARITY = item_files("schema-parity")
PUBLIC_SCHEMA = "test_public_schema_equals_old_or_snapshot"
RESTORE_FINISHED = item_files("restore-finished")
TRIGGER = "on_auth_user_created"
ROLE = "authenticator"
SEQUENCE = "public.weight_measurements_id_seq"
# banned_until sits 25th among auth.users' compared columns: the old checksum shifted its hash
# 24 bits left and kept 8 of its bits; this value matched a null in those 8 bits, and went unseen.
BANNED_UNTIL = "2030-01-17 18:00:00+00"


def _messages(run: SuiteRun, item_id: str = "data-parity") -> dict[str, str]:
    """test name -> its message, for the item's tests."""
    return {t["nodeid"].rsplit("::", 1)[1]: t["message"] for t in run.item(item_id)["tests"]}


def test_clean_run_passes_schema_and_data_parity(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    run = gate_on(breakable, tmp_path / "report", *SCHEMA_PARITY, *DATA_PARITY)
    for item_id in ("schema-parity", "data-parity"):
        assert run.item(item_id)["status"] == "passed", run.digest()


def test_changed_late_column_replica_trigger_replication_mode_and_sequence_fail(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    (user, banned) = query_one(
        breakable, "new", "select id::text, banned_until from auth.users order by id limit 1"
    )
    assert banned is None
    (users,) = query_one(breakable, "new", "select count(*) from auth.users")
    (database,) = query_one(breakable, "new", "select current_database()")
    (firing,) = query_one(
        breakable,
        "new",
        f"select tgenabled::text from pg_trigger where tgname = '{TRIGGER}'"
        " and tgrelid = 'auth.users'::regclass",
    )
    assert firing == "O"
    (last, called) = query_one(breakable, "old", f"select last_value, is_called from {SEQUENCE}")
    (new_last,) = query_one(breakable, "new", f"select last_value from {SEQUENCE}")
    (damaged_at,) = query_one(breakable, "new", "select now()::text")
    new_breaks = [
        f"update auth.users set banned_until = '{BANNED_UNTIL}' where id = '{user}'",
        f"alter table auth.users enable replica trigger {TRIGGER}",
        f"alter database {database} set session_replication_role = replica",
        f"alter role {ROLE} set session_replication_role = replica",
    ]
    new_repairs = [
        f"update auth.users set banned_until = null where id = '{user}'",
        f"alter table auth.users enable trigger {TRIGGER}",
        f"alter database {database} reset session_replication_role",
        f"alter role {ROLE} reset session_replication_role",
        # Sessions opened meanwhile (the gateway's pools) keep replica mode, so no trigger
        # would fire through them for the next tests on this playbook: end them.
        "select pg_terminate_backend(pid) from pg_stat_activity where datname ="
        f" '{database}' and backend_start >= '{damaged_at}' and pid <> pg_backend_pid()",
    ]
    old_breaks = [f"select setval('{SEQUENCE}', {int(new_last) + 500})"]
    old_repairs = [f"select setval('{SEQUENCE}', {last}, {bool(called)})"]
    with (
        damaged(breakable, "new", new_breaks, new_repairs),
        damaged(breakable, "old", old_breaks, old_repairs),
    ):
        run = gate_on(
            breakable, tmp_path / "report", *SCHEMA_PARITY, *DATA_PARITY, *RESTORE_FINISHED
        )
    for item_id in ("schema-parity", "data-parity", "restore-finished"):
        assert run.item(item_id)["status"] == "failed", run.digest()
    said = {
        **_messages(run),
        **_messages(run, "schema-parity"),
        **_messages(run, "restore-finished"),
    }
    assert said["test_every_table_has_old_rows"] == (
        f"data on new differs from old: auth.users has the same {users} rows but different"
        f" content (e.g. {user} (changed))"
    ), said
    assert said[PUBLIC_SCHEMA] == (
        f"the schema on new differs from old: trigger {TRIGGER} on auth.users is enabled only"
        " for replication (ENABLE REPLICA) on new"
    ), said
    assert said["test_no_sequence_hands_out_old_ids_again"] == (
        "sequences on new would hand out ids old already handed out: sequence"
        f" {SEQUENCE} is at {new_last} on new but old already handed out {int(new_last) + 500}"
    ), said
    assert said["test_foreign_keys_are_enforced_and_no_setting_switches_triggers_off"] == (
        f"triggers and foreign keys do not fire on new: database {database} has"
        " session_replication_role = replica set (ALTER DATABASE … SET) (and 1 more)"
    ), said
    assert (
        f"role {ROLE} has session_replication_role = replica set (ALTER ROLE … SET)" in run.output
    )
    # Put back exactly as found.
    assert query_one(
        breakable, "new", f"select banned_until from auth.users where id = '{user}'"
    ) == (None,)
    assert query_one(
        breakable,
        "new",
        f"select tgenabled::text from pg_trigger where tgname = '{TRIGGER}'"
        " and tgrelid = 'auth.users'::regclass",
    ) == ("O",)
    assert query_one(
        breakable,
        "new",
        "select count(*) from pg_db_role_setting"
        " where setconfig::text like '%session_replication_role%'",
    ) == (0,)
    assert query_one(breakable, "old", f"select last_value, is_called from {SEQUENCE}") == (
        last,
        called,
    )


def test_materialized_views_missing_or_left_without_data_fail(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old has two materialized views; new lacks one and has the other never refreshed (a
    restore that stopped before their data): schema-parity names the missing one,
    restore-finished the empty one (before, both items stayed green)."""
    query = "select user_id, count(*) as n from public.weight_measurements group by user_id"
    repairs = [
        "drop materialized view if exists public.pm_leaders",
        "drop materialized view if exists reporting.pm_weigh_ins",
    ]
    on_old = [
        f"create materialized view public.pm_leaders as {query}",
        f"create materialized view reporting.pm_weigh_ins as {query}",
    ]
    on_new = [f"create materialized view reporting.pm_weigh_ins as {query} with no data"]
    with damaged(breakable, "old", on_old, repairs), damaged(breakable, "new", on_new, repairs):
        run = gate_on(breakable, tmp_path, *SCHEMA_PARITY, *RESTORE_FINISHED)
    parity = _messages(run, "schema-parity")[PUBLIC_SCHEMA]
    assert "materialized view public.pm_leaders is missing on new" in parity, run.digest()
    assert "pm_weigh_ins" not in parity, run.digest()
    empty = _messages(run, "restore-finished")["test_every_materialized_view_has_data"]
    assert "materialized view reporting.pm_weigh_ins has no data (never refreshed)" in empty, (
        run.digest()
    )
    for item_id in ("schema-parity", "restore-finished"):
        assert run.item(item_id)["status"] == "failed", run.digest()


def test_the_app_s_trigger_on_storage_objects_lost_fails_schema_parity(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old has a trigger on storage.objects calling an app function; new has the function but
    not the trigger (as after `supabase db dump`, which leaves the storage schema out):
    schema-parity names the trigger (before, only triggers on the app's tables and on auth.users
    were compared, and the item stayed green)."""
    function = (
        "create function public.pm_on_upload() returns trigger language plpgsql"
        " as $$ begin return new; end $$"
    )
    trigger = (
        "create trigger pm_on_upload after insert on storage.objects"
        " for each row execute function public.pm_on_upload()"
    )
    repairs = [
        "drop trigger if exists pm_on_upload on storage.objects",
        "drop function if exists public.pm_on_upload()",
    ]
    with (
        damaged(breakable, "old", [function, trigger], repairs),
        damaged(breakable, "new", [function], repairs),
    ):
        run = gate_on(breakable, tmp_path, *SCHEMA_PARITY)
    assert run.item("schema-parity")["status"] == "failed", run.digest()
    assert (
        "trigger pm_on_upload on storage.objects is missing on new"
        in (_messages(run, "schema-parity")[PUBLIC_SCHEMA])
    ), run.digest()


def test_without_old_the_app_s_triggers_on_platform_tables_are_checked_against_the_snapshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Without old (the nightly run, or after old is gone), the app's trigger on
    storage.objects dropped on new and its trigger on auth.users disabled: schema-parity names
    both against the committed snapshot, each once, in its public test (before, the storage
    trigger was not compared without old, and the auth.users one only because the app has a
    custom schema); the other test, of the custom schemas, names neither again."""
    breaks = [
        "drop trigger on_avatar_deleted on storage.objects",
        "alter table auth.users disable trigger on_auth_user_created",
    ]
    repairs = [
        "drop trigger if exists on_avatar_deleted on storage.objects",
        "create trigger on_avatar_deleted after delete on storage.objects for each row"
        " when (old.bucket_id = 'avatars') execute function public.forget_deleted_avatar()",
        "alter table auth.users enable trigger on_auth_user_created",
    ]
    with damaged(breakable, "new", breaks, repairs):
        run = gate_on(breakable, tmp_path, *SCHEMA_PARITY, compare=False)
    assert run.item("schema-parity")["status"] == "failed", run.digest()
    outcomes = {
        t["nodeid"].rsplit("::", 1)[1]: t["outcome"] for t in run.item("schema-parity")["tests"]
    }
    assert outcomes["test_everything_else_the_app_owns_equals_old_or_snapshot"] == "passed", (
        run.digest()
    )
    message = _messages(run, "schema-parity")[PUBLIC_SCHEMA]
    assert "the committed snapshot schema.snapshot.json" in message, message
    # two findings in all (the headline names the first, "and 1 more"), each of them below
    assert message.endswith(" (and 1 more)"), message
    for finding in (
        "- trigger on_avatar_deleted on storage.objects is missing on new\n",
        "- trigger on_auth_user_created on auth.users is disabled on new\n",
    ):
        assert finding in run.output, run.output


def test_an_index_left_invalid_on_new_fails_restore_finished(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A hotfix run on new after the restore, CREATE UNIQUE INDEX CONCURRENTLY over rows that
    break it, fails and leaves the index invalid: restore-finished names it (before, only
    data-parity named it, as an index old lacks; nothing said it was invalid, and at night,
    without old, nothing named it at all)."""
    new_db = str(breakable.target("new")["db_url"])
    with psycopg.connect(new_db, autocommit=True) as conn:
        try:
            with pytest.raises(psycopg.errors.UniqueViolation):
                conn.execute(
                    "create unique index concurrently pm_one_per_user"
                    " on public.weight_measurements (user_id)"
                )
            run = gate_on(breakable, tmp_path, *RESTORE_FINISHED)
        finally:
            conn.execute("drop index if exists public.pm_one_per_user")
    assert run.item("restore-finished")["status"] == "failed", run.digest()
    assert (
        "index public.pm_one_per_user on public.weight_measurements is invalid"
        in (_messages(run, "restore-finished")["test_no_index_is_left_invalid"])
    ), run.digest()
