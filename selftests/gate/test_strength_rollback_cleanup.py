"""rollback-dump restores the dump for real, and a run leaves nothing behind on the target.

On the shared `breakable` playbook run:
- the playbook's own dump restores into a scratch database that equals old, and the evidence
  says what was restored; the scratch database is gone afterwards;
- a dump missing rows of one table fails, naming the table; a dump older than
  `dump_max_age_hours` fails naming its age; a dump that does not restore fails with
  pg_restore's first error; an unreachable `--dump-restore-url` fails in one line, quickly,
  without its password;
- after the switch, what old takes by itself (a sign-in's session) or from clients still on
  it (a weigh-in after the watermark) does not count against the dump;
- a forbidden write that a fault lets through (the course insert of the non-admin account) and
  the admin_logs entry the app's trigger writes because of it are removed at the end of that
  run, so the next run on the repaired target is GO on data-parity;
- a thumbnail the app uploaded for a course whose insert was then refused (never registered by
  the test) is removed by the run's own sweep, serial and under xdist;
- a row the cleanup may not delete keeps no other row of its table behind (row-by-row retry);
- an avatar the app uploaded before its profile update was refused is removed by the run;
- a second run against a target another run is going on stops before it writes anything;
- a run ends the sign-in sessions it opened (API clients, browser states, the magic link's);
- a run stopped by SIGTERM (a CI timeout, `docker stop`) still removes what it made;
- what an interrupted earlier run left (a tagged course, a thumbnail) is swept before the
  baseline, so the next run does not count it as drift; one the sweep may not delete is named,
  and the writing tests still run.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import psycopg
import pytest

from postmigration.dump import pg_tool, read_listing, restore
from postmigration.run_lock import RUN_LOCK_KEY
from selftests.gate.conftest import (
    ROOT,
    ServingPlaybook,
    SuiteRun,
    clean_env,
    clean_go_problems,
    damaged,
    gate_on,
    item_files,
    own_basetemp,
    query_one,
    run_sql,
)
from selftests.report_texts import texts_in

ROLLBACK = "tests/smoke/test_rollback_dump.py"
COURSE_RLS = "tests/smoke/test_course_rls.py"
UPLOAD = "tests/e2e/test_upload.py"
BUCKETS = "tests/preflight/test_buckets.py"
ADMIN_COURSE = "tests/e2e/test_admin_course.py"
GOAL_NOTIFICATIONS = "tests/edge_functions/test_goal_notifications.py"
DATA_PARITY = item_files("data-parity")
STORAGE_PARITY = item_files("storage-parity")
BAD_INPUT_BOUND_S = 150.0


def _messages(run: SuiteRun, item_id: str) -> list[str]:
    return [str(t["message"]) for t in run.item(item_id)["tests"]]


def _scratch_databases(playbook: ServingPlaybook) -> list[str]:
    with psycopg.connect(str(playbook.target("new")["db_url"])) as conn:
        rows = conn.execute(
            "select datname from pg_database where datname like 'pm\\_rollback\\_%'"
        ).fetchall()
    return [r[0] for r in rows]


def _clean(run: SuiteRun, playbook: ServingPlaybook, *extra_secrets: str) -> None:
    texts = run.report_texts()
    assert "Traceback" not in texts, run.digest()
    leaked = [s[:4] + "…" for s in [*playbook.secrets(), *extra_secrets] if s in texts]
    assert not leaked, f"secrets reached the output or reports: {leaked}"
    assert _scratch_databases(playbook) == [], "the scratch database was left behind"


def _pg_dump(db_url: str, path: Path, *options: str) -> Path:
    subprocess.run(
        [pg_tool("pg_dump"), "--no-owner", "--no-privileges", "--format=custom"]
        + [*options, f"--file={path}", db_url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return path


def test_clean_dump_restores_and_equals_old(breakable: ServingPlaybook, tmp_path: Path) -> None:
    """The playbook's dump restores into pm_rollback_<run id>, equals old, is dropped; the
    evidence names what was restored and what was compared."""
    run = gate_on(breakable, tmp_path / "report", ROLLBACK, "--run-id=pm-7e5701")
    assert run.item("rollback-dump")["status"] == "passed", run.digest()
    html = (run.report_dir / "go-no-go.html").read_text()
    assert "into the empty database pm_rollback_7e5701" in html, "evidence names no scratch db"
    assert "public tables" in html and "auth tables" in html, "evidence names no restored tables"
    assert "row counts and content equal old&#x27;s for all" in html
    _clean(run, breakable)


def test_a_scratch_database_a_killed_restore_left_is_dropped(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A run killed (SIGKILL) mid-restore left pm_rollback_dead01, created two hours ago, which
    nobody uses: the next rollback-dump drops it and says so in its evidence. One created ten
    minutes ago (a restore that may still be going elsewhere) is left alone (before: both
    stayed on the server for good, a full copy of the dump each)."""
    created = "postmigration rollback-dump scratch, created {}"
    run_sql(
        breakable,
        "new",
        "create database pm_rollback_dead01",
        "create database pm_rollback_busy01",
        f"comment on database pm_rollback_dead01 is "
        f"'{created.format('2026-01-01T08:00:00+00:00')}'",
    )
    run_sql(
        breakable,
        "new",
        "do $$ begin execute format('comment on database pm_rollback_busy01 is %L', "
        f"'{created.format('')}' || to_char(now() - interval '10 minutes', "
        "'YYYY-MM-DD\"T\"HH24:MI:SSOF')); end $$",
    )
    try:
        run = gate_on(breakable, tmp_path / "report", ROLLBACK, "--run-id=pm-7e5702")
        left = _scratch_databases(breakable)
    finally:
        run_sql(
            breakable,
            "new",
            "drop database if exists pm_rollback_dead01",
            "drop database if exists pm_rollback_busy01",
        )
    assert run.item("rollback-dump")["status"] == "passed", run.digest()
    assert left == ["pm_rollback_busy01"], f"scratch databases after the run: {left}"
    html = (run.report_dir / "go-no-go.html").read_text()
    assert "pm_rollback_dead01" in html, "the evidence does not name the dropped database"


def test_dump_missing_rows_fails_naming_the_table(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A dump that holds data for every table and reads through, but was taken of a copy of old
    that lacked 10 weight measurements (what `pg_restore --list` alone never sees): the restore
    has 10 rows fewer than old, and the check says so, naming the table."""
    old_url = str(breakable.target("old")["db_url"])
    stale_url = old_url.rsplit("/", 1)[0] + "/pm_stale"
    full = _pg_dump(old_url, tmp_path / "full.dump")
    run_sql(breakable, "old", "create database pm_stale")
    try:
        # The copy leaves pg_cron out, as any second database on old's server must.
        restore(full, stale_url, read_listing(full))
        with psycopg.connect(stale_url, autocommit=True) as conn:
            conn.execute(
                "delete from public.weight_measurements where ctid in "
                "(select ctid from public.weight_measurements limit 10)"
            )
        dump = _pg_dump(stale_url, tmp_path / "backup_stale.dump")
    finally:
        run_sql(breakable, "old", "drop database if exists pm_stale with (force)")
    run = gate_on(breakable, tmp_path / "report", ROLLBACK, f"--dump={dump}")
    item = run.item("rollback-dump")
    assert item["status"] == "failed", run.digest()
    listed, restored = _messages(run, "rollback-dump")
    assert listed == "", f"the archive itself is whole: {listed}"
    reason = str(item["reason"])
    assert "public.weight_measurements has " in reason, reason
    assert " rows in the restored dump but " in reason and " on old" in reason, reason
    _clean(run, breakable)


def test_dump_older_than_allowed_fails_naming_its_age(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """dump_max_age_hours = 0.0001 (0.36 s) in [targets.new]: the playbook's dump is too old,
    by its own header's date."""
    config = tmp_path / "postmigration.toml"
    config.write_text(
        breakable.config_path.read_text().replace(
            "[targets.new]\n", "[targets.new]\ndump_max_age_hours = 0.0001\n", 1
        )
    )
    run = gate_on(breakable, tmp_path / "report", ROLLBACK, config=config)
    item = run.item("rollback-dump")
    assert item["status"] == "failed", run.digest()
    reason = str(item["reason"])
    assert f"the rollback dump {breakable.dump.name} is " in reason, reason
    assert " old (created 20" in reason and "dump_max_age_hours allows 0.0001 h" in reason, reason
    _clean(run, breakable)


def test_dump_that_does_not_restore_fails_with_the_first_error(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A dump whose policy names a role new's server does not have: the restore fails with
    pg_restore's first error, in one line."""
    old_url = str(breakable.target("old")["db_url"])
    probe_url = old_url.rsplit("/", 1)[0] + "/pm_probe"
    run_sql(breakable, "old", "create role pm_probe_reader nologin", "create database pm_probe")
    try:
        with psycopg.connect(probe_url, autocommit=True) as conn:
            conn.execute("create table public.notes (id int primary key)")
            conn.execute(
                "create policy reads on public.notes for select to pm_probe_reader using (true)"
            )
        dump = _pg_dump(probe_url, tmp_path / "backup_foreign.dump")
    finally:
        run_sql(
            breakable,
            "old",
            "drop database if exists pm_probe with (force)",
            "drop role if exists pm_probe_reader",
        )
    run = gate_on(breakable, tmp_path / "report", ROLLBACK, f"--dump={dump}")
    assert run.item("rollback-dump")["status"] == "failed", run.digest()
    restored = _messages(run, "rollback-dump")[1]
    assert restored.startswith("pg_restore could not restore backup_foreign.dump: "), restored
    assert 'role "pm_probe_reader" does not exist' in restored and "\n" not in restored, restored
    _clean(run, breakable)


def test_unreachable_restore_server_fails_in_one_line(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """--dump-restore-url names a port nothing listens on: failed at once, in one line, its
    password never shown."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    password = "restore-Pa55word-xyz"
    url = f"--dump-restore-url=postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    run = gate_on(breakable, tmp_path / "report", ROLLBACK, url)
    assert run.took_s < BAD_INPUT_BOUND_S, run.digest()
    item = run.item("rollback-dump")
    assert item["status"] == "failed", run.digest()
    reason = str(item["reason"])
    assert "\n" not in reason, reason
    assert reason.startswith("cannot restore the dump on --dump-restore-url: "), reason
    assert f"127.0.0.1:{port}" in reason and "Connection refused" in reason, reason
    _clean(run, breakable, password)


def test_a_let_through_write_leaves_nothing_behind(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Fault: the non-admin account is an admin on new, so its course insert gets through and
    the app's trigger logs it in admin_logs. That run's admin-course fails; once repaired, the
    next run passes admin-course's RLS test and data-parity (before the fix: "admin_logs has 22
    rows on new but 21 on old")."""
    user = breakable.config["accounts"]["user"]["email"]
    with damaged(
        breakable,
        "new",
        [f"update public.profiles set is_admin = true where email = '{user}'"],
        [f"update public.profiles set is_admin = false where email = '{user}'"],
    ):
        broken = gate_on(breakable, tmp_path / "broken", COURSE_RLS)
        assert broken.item("admin-course")["status"] == "failed", broken.digest()
        assert "NON-ADMIN created a course" in str(broken.item("admin-course")["reason"])
    again = gate_on(breakable, tmp_path / "again", COURSE_RLS, *DATA_PARITY)
    assert again.item("data-parity")["status"] == "passed", again.digest()
    # admin-course's browser test is not in this run: the RLS test that ran must pass.
    (rls,) = again.item("admin-course")["tests"]
    assert (rls["nodeid"].startswith(COURSE_RLS), rls["outcome"]) == (True, "passed"), rls


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_what_cleanup_cannot_remove_is_named_in_the_report(
    breakable: ServingPlaybook, tmp_path: Path, workers: tuple[str, ...]
) -> None:
    """Fault: the service role may not delete goals on new, so the run's goal stays behind.
    The run says so in summary.json, the HTML report and the terminal, naming the table and
    the goal, serial and under xdist (a worker hands its list to the controller). Before, only
    a pytest warning said it, and the next run's data-parity failed with no word of why."""
    with damaged(
        breakable,
        "new",
        ["revoke delete on public.goals from service_role"],
        [
            "grant delete on public.goals to service_role",
            "delete from public.goals where title like 'pm-1eb1d0 %'",
        ],
    ):
        run = gate_on(
            breakable, tmp_path / "report", GOAL_NOTIFICATIONS, "--run-id=pm-1eb1d0", *workers
        )
    left = run.left_behind()
    # The registry's delete and the final sweep by the run's tag each name what they could not
    # remove. Under xdist the invite is sent once for the run (once_per_run): its goal is left
    # to the controller's sweep, as no worker's registry may delete it while another reads it.
    registry = [line for line in left if line.startswith("could not delete goals title=pm-1eb1d0")]
    swept = [line for line in left if re.match(r"could not delete \d+ goals row\(s\)", line)]
    assert swept and (bool(registry) != bool(workers)), f"left behind: {left}; {run.digest()}"
    assert all("permission denied for table goals" in line for line in left), left
    html = (run.report_dir / "go-no-go.html").read_text()
    assert 'id="pm-left-behind"' in html and "pm-1eb1d0 goal" in html, "the HTML names nothing"
    assert "cleanup: the gate's cleanup could not remove this" in run.output, run.output[-2000:]
    # The flake check's judge of a clean run (selftests.matrix.judge_clean) names it too.
    judged = clean_go_problems(run)
    named = "the run's cleanup left on the target: " + (swept[0] if workers else registry[0])
    assert any(p.startswith(named) for p in judged), judged
    _clean(run, breakable)


def test_a_row_cleanup_cannot_delete_keeps_no_other_row_behind(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Fault: new refuses to delete the admin_logs entry of the run's lesson (a trigger). The
    registry deletes the run's three admin_logs entries (course, module, lesson) in one round
    trip, which fails; row by row, the course's and the module's entries go, and only the
    lesson's is named as left behind. Without the row-by-row retry the module's entry stays too
    (the course's still goes: the final sweep removes the log's entries about the run's course)."""
    keep = "pm-2b3c4d lesson %"
    with damaged(
        breakable,
        "new",
        [
            "create function public.pm_keep_lesson_log() returns trigger language plpgsql as $$"
            f" begin if old.details->>'title' like '{keep}' then"
            " raise exception 'this admin log entry is kept'; end if; return old; end $$",
            "create trigger pm_keep_lesson_log before delete on public.admin_logs"
            " for each row execute function public.pm_keep_lesson_log()",
        ],
        [
            "drop trigger if exists pm_keep_lesson_log on public.admin_logs",
            "drop function if exists public.pm_keep_lesson_log()",
            "delete from public.admin_logs where details->>'title' like 'pm-2b3c4d %'",
        ],
    ):
        run = gate_on(breakable, tmp_path / "report", ADMIN_COURSE, "--run-id=pm-2b3c4d")
        (kept,) = query_one(
            breakable,
            "new",
            "select array_agg(details->>'title') from public.admin_logs"
            " where details->>'title' like 'pm-2b3c4d %'",
        )
    # The course flow itself passes: only its cleanup is refused.
    (flow,) = run.item("admin-course")["tests"]
    assert flow["outcome"] == "passed", run.digest()
    assert kept is not None and len(kept) == 1 and kept[0].startswith("pm-2b3c4d lesson "), (
        f"admin_logs entries of the run still on new: {kept}"
    )
    left = run.left_behind()
    assert all("this admin log entry is kept" in line for line in left), left
    entries = [
        line.split(":")[0] for line in left if line.startswith("could not delete admin_logs")
    ]
    assert entries and all("=pm-2b3c4d lesson " in e for e in entries), f"left behind: {left}"
    _clean(run, breakable)


@pytest.mark.parametrize(
    ("workers", "run_id"),
    [
        ((), "pm-7a1c0e"),
        (("-n", "2"), "pm-7a1c0f"),
        (("-n", "2", BUCKETS), "pm-7a1c10"),
    ],
    ids=["serial", "xdist", "xdist-with-quick-tests"],
)
def test_an_upload_whose_row_was_refused_is_removed_by_the_run(
    breakable: ServingPlaybook, tmp_path: Path, workers: tuple[str, ...], run_id: str
) -> None:
    """Fault: the course insert is refused on new, after the app has uploaded the course's
    thumbnail (named after the run's course title). The test never learns the object's name,
    so only the run's sweep by its tag can remove it: the run ends with no object of its own in
    course-thumbnails (before: it stayed, and the next runs failed storage-parity and
    rollback-ready on "is on new but not on old" until the 30-minute sweep of old runs).
    With quick read-only tests beside it under xdist, the controller's final sweep, which
    starts before the workers are down, still waits for the upload test's call: started at
    the first test's call instead, it missed the thumbnail."""
    with damaged(
        breakable,
        "new",
        ["revoke insert on public.courses from authenticated"],
        [
            "grant insert on public.courses to authenticated",
            f"delete from storage.objects where name like '{run_id}-%'",
        ],
    ):
        run = gate_on(breakable, tmp_path / "report", UPLOAD, f"--run-id={run_id}", *workers)
        assert run.item("upload")["status"] == "failed", run.digest()
        left = query_one(
            breakable,
            "new",
            "select count(*) from storage.objects where bucket_id = 'course-thumbnails' "
            "and name like %s",
            f"{run_id}-%",
        )[0]
    assert left == 0, f"{left} thumbnail(s) of run {run_id} stayed on new; {run.digest()}"
    assert run.left_behind() == [], run.left_behind()
    _clean(run, breakable)


LEFTOVER_COURSE = "pm-abcdef course 1"
LEFTOVER_THUMBNAIL = "pm-abcdef-course-1.jpg"


@pytest.mark.parametrize("age", ["1 hour", "2 minutes"])
def test_what_an_interrupted_run_left_is_swept_before_it_counts_as_drift(
    breakable: ServingPlaybook, tmp_path: Path, age: str
) -> None:
    """An earlier run killed mid-way left a tagged course and its thumbnail (an hour ago, or
    two minutes ago: a retry right after a SIGKILL): the next run sweeps them before it takes
    its baseline, so data-parity and storage-parity pass (before: both failed on them, and the
    sweep came later, at the first writing test; leftovers under 30 minutes old were kept in
    case their run was still going, which the run lock now rules out)."""
    leave = [
        f"insert into public.courses (title, created_at) values ('{LEFTOVER_COURSE}', "
        f"now() - interval '{age}')",
        "insert into storage.objects (bucket_id, name, metadata, created_at) values "
        f"('course-thumbnails', '{LEFTOVER_THUMBNAIL}', "
        f"""'{{"size": 10, "mimetype": "image/jpeg"}}', now() - interval '{age}')""",
    ]
    tidy = [
        f"delete from public.courses where title = '{LEFTOVER_COURSE}'",
        f"delete from storage.objects where name = '{LEFTOVER_THUMBNAIL}'",
    ]
    with damaged(breakable, "new", leave, tidy):
        run = gate_on(breakable, tmp_path / "report", *DATA_PARITY, *STORAGE_PARITY)
        left = query_one(
            breakable,
            "new",
            "select (select count(*) from public.courses where title = %s)"
            " + (select count(*) from storage.objects where name = %s)",
            LEFTOVER_COURSE,
            LEFTOVER_THUMBNAIL,
        )[0]
    assert left == 0, f"{left} leftover(s) of the earlier run stayed; {run.digest()}"
    for item_id in ("data-parity", "storage-parity"):
        assert run.item(item_id)["status"] == "passed", run.digest()
    assert run.left_behind() == [], run.left_behind()


OVERWRITTEN_ANSWER = "pm-abcdef answer"


def test_a_row_an_interrupted_run_overwrote_is_kept_and_named(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A run killed mid-way had overwritten the user's mission answer, made two months ago, with
    its tag (an upsert keeps created_at): the next run's sweep keeps the row and names it as
    overwritten, its earlier content lost (before: the sweep deleted it as a row that run made,
    so a migrated row was gone)."""
    leave = [
        "insert into public.mission_answers (mission_id, user_id, answer, created_at, updated_at)"
        f" select m.id, u.id, '{OVERWRITTEN_ANSWER}', now() - interval '60 days',"
        " now() - interval '1 hour'"
        " from public.daily_missions m, auth.users u where u.email = 'user@lms.test'"
        " and not exists (select 1 from public.mission_answers a"
        "  where a.mission_id = m.id and a.user_id = u.id) limit 1"
    ]
    tidy = [f"delete from public.mission_answers where answer = '{OVERWRITTEN_ANSWER}'"]
    with damaged(breakable, "new", leave, tidy):
        before = query_one(
            breakable,
            "new",
            "select count(*) from public.mission_answers where answer = %s",
            OVERWRITTEN_ANSWER,
        )[0]
        run = gate_on(breakable, tmp_path / "report", *DATA_PARITY)
        kept = query_one(
            breakable,
            "new",
            "select count(*) from public.mission_answers where answer = %s",
            OVERWRITTEN_ANSWER,
        )[0]
    assert before == 1, "the damage did not insert the overwritten answer"
    assert kept == 1, f"the sweep deleted a row made before the run that tagged it; {run.digest()}"
    named = [line for line in run.left_behind() if "mission_answers" in line]
    assert named and "overwrote it" in named[0], run.left_behind()


def test_a_leftover_the_sweep_may_not_delete_is_named_and_writing_tests_run(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A leftover course whose delete new refuses (a trigger): the sweep names it in the
    report's left-behind lines, and admin-course's writing tests still run (before: the sweep
    raised inside the cleanup fixture, and every writing test errored)."""
    guard = (
        "create function public.pm_keep_leftover() returns trigger language plpgsql as $$"
        " begin if old.title like 'pm-abcdef %' then raise exception 'kept by policy'; end if;"
        " return old; end $$"
    )
    leave = [
        f"insert into public.courses (title, created_at) values ('{LEFTOVER_COURSE}', "
        "now() - interval '1 hour')",
        guard,
        "create trigger pm_keep_leftover before delete on public.courses for each row"
        " execute function public.pm_keep_leftover()",
    ]
    tidy = [
        "drop trigger if exists pm_keep_leftover on public.courses",
        "drop function if exists public.pm_keep_leftover()",
        f"delete from public.courses where title = '{LEFTOVER_COURSE}'",
    ]
    with damaged(breakable, "new", leave, tidy):
        run = gate_on(breakable, tmp_path / "report", COURSE_RLS)
    outcomes = [t["outcome"] for t in run.item("admin-course")["tests"]]
    assert outcomes and set(outcomes) == {"passed"}, run.digest()
    named = [line for line in run.left_behind() if "an earlier run left in courses" in line]
    assert named and "kept by policy" in named[0], run.left_behind()


def test_an_avatar_whose_profile_update_was_refused_is_removed_by_the_run(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Fault: new refuses the profile's avatar_url update, after the app has uploaded the
    avatar into the user's folder. upload fails, and the avatar goes at the end of the run
    (before: it stayed, never named in left_behind, and every later run failed storage-parity
    on "is on new but not on old")."""
    (uid,) = query_one(
        breakable, "new", "select id::text from auth.users where email like 'user@%'"
    )
    count = "select count(*) from storage.objects where bucket_id = 'avatars' and name like %s"
    (before,) = query_one(breakable, "new", count, f"{uid}/%")
    refuse = [
        "create function public.pm_refuse_avatar() returns trigger language plpgsql as $$"
        " begin if new.avatar_url is distinct from old.avatar_url then"
        " raise exception 'avatar updates are paused'; end if; return new; end $$",
        "create trigger pm_refuse_avatar before update of avatar_url on public.profiles"
        " for each row execute function public.pm_refuse_avatar()",
    ]
    allow = [
        "drop trigger if exists pm_refuse_avatar on public.profiles",
        "drop function if exists public.pm_refuse_avatar()",
    ]
    with damaged(breakable, "new", refuse, allow):
        run = gate_on(breakable, tmp_path / "report", UPLOAD)
    assert run.item("upload")["status"] == "failed", run.digest()
    (after,) = query_one(breakable, "new", count, f"{uid}/%")
    assert after == before, f"{after - before} avatar(s) stayed in avatars/{uid}/; {run.digest()}"
    assert run.left_behind() == [], run.left_behind()


INVITEES_READ = '"Invitees read invites addressed to them" on public.goal_invites'


def test_a_run_stopped_by_sigterm_still_removes_what_it_made(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The gate, on goal-invite, gets SIGTERM while the invitee waits for a card that never
    comes (new may not show it): the run stops, and the goal it made is gone from new (before:
    SIGTERM ended the process on the spot and the goal stayed)."""
    run_id = "pm-5e0a1b"
    goals = "select count(*) from public.goals where title like %s"
    report = tmp_path / "report"
    command = [sys.executable, "-m", "pytest", "-m", "postmigration", *item_files("goal-invite")]
    command += ["--target=new", "--compare-to=old", f"--pm-config={breakable.config_path}"]
    command += [f"--run-id={run_id}", f"--report-dir={report}", "-q", own_basetemp(report)]
    hide = [f"drop policy {INVITEES_READ}"]
    show = [
        f"create policy {INVITEES_READ} for select to authenticated"
        " using (public.is_invitee(invitee_email, invitee_phone))"
    ]
    with damaged(breakable, "new", hide, show):
        gate = subprocess.Popen(
            command, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 120
            while query_one(breakable, "new", goals, f"{run_id} %")[0] == 0:
                assert gate.poll() is None, gate.communicate()[0].decode()[-3000:]
                assert time.monotonic() < deadline, "the run never made its goal"
                time.sleep(0.2)
            time.sleep(2)  # into the wait for the invitee's card
            gate.send_signal(signal.SIGTERM)
            output = gate.communicate(timeout=120)[0].decode(errors="replace")
        finally:
            if gate.poll() is None:
                gate.kill()
                gate.wait()
    left = query_one(breakable, "new", goals, f"{run_id} %")[0]
    assert left == 0, f"{left} goal(s) of the stopped run stayed on new:\n{output[-3000:]}"
    assert gate.returncode == 2, output[-3000:]  # interrupted, as by Ctrl-C


def test_a_run_while_another_is_going_stops_before_it_writes(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Another gate run holds new's run lock (its connection named after its run id): this
    run stops at once, exit 4, naming that run, and writes nothing (before: both went on, each
    counting the other's writes as drift). Once the other run is gone, the lock is free."""
    with psycopg.connect(str(breakable.target("new")["db_url"]), autocommit=True) as other:
        other.execute("set application_name = 'postmigration gate pm-0a0b0c'")
        other.execute("select pg_advisory_lock(%s)", (RUN_LOCK_KEY,))
        (courses,) = query_one(breakable, "new", "select count(*) from public.courses")
        stopped = gate_on(breakable, tmp_path / "stopped", COURSE_RLS)
        assert query_one(breakable, "new", "select count(*) from public.courses") == (courses,)
    assert (stopped.exit_code, stopped.verdict) == (4, "NO-GO"), stopped.digest()
    said = [line for line in stopped.output.splitlines() if line.startswith("ERROR: ")]
    assert len(said) == 1 and said[0].startswith("ERROR: another gate run (pm-0a0b0c, since "), (
        stopped.output[-2000:]
    )
    assert "is going against new: two runs at once" in said[0], said
    after = gate_on(breakable, tmp_path / "after", COURSE_RLS)
    assert after.exit_code != 4, after.digest()


def test_what_old_takes_after_the_switch_does_not_count_against_the_dump(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The pre-cutover gate takes the watermark; then a user still resolving old signs in there
    (auth.sessions, refresh_tokens, mfa_amr_claims) and weighs in. Post-cutover, rollback-dump
    passes: the run-time tables' rows and rows old took after the watermark are not the dump's
    to hold (before: "auth.mfa_amr_claims has 0 rows in the restored dump but 1 on old")."""
    reports = tmp_path / "reports"
    gate_on(breakable, reports, *DATA_PARITY, "--phase=pre-cutover")
    assert (reports / "cutover.json").is_file()
    old = breakable.target("old")
    account = tomllib.loads(breakable.config_path.read_text())["accounts"]["user"]
    (started,) = query_one(breakable, "old", "select now()::text")
    answer = httpx.post(
        f"{old['supabase_url']}/auth/v1/token",
        params={"grant_type": "password"},
        headers={"apikey": str(old["anon_key"])},
        json={"email": account["email"], "password": account["password"]},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text[:200]
    weigh_in = (
        "insert into public.weight_measurements (user_id, weight_kg) select id, 71.3"
        f" from auth.users where email = '{account['email']}' returning id"
    )
    (late,) = query_one(breakable, "old", weigh_in)
    try:
        run = gate_on(breakable, reports, ROLLBACK, "--phase=post-cutover")
    finally:
        run_sql(
            breakable,
            "old",
            f"delete from public.weight_measurements where id = {late}",
            f"delete from auth.sessions where created_at >= '{started}'",
        )
    assert run.item("rollback-dump")["status"] == "passed", run.digest()
    said = " ".join(texts_in(run.report_dir / "go-no-go.html"))
    assert "rows of the run-time tables not compared: " in said, run.digest()
    assert "up to the cutover watermark" in said, run.digest()


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_a_run_ends_the_sign_in_sessions_it_opened(
    breakable: ServingPlaybook, tmp_path: Path, workers: tuple[str, ...]
) -> None:
    """The API clients' and the browser states' sign-ins, and the magic link followed by
    app-deploy, are signed out (this device only) at the end of the run: new holds as many
    auth sessions after it as before (before: about 11 more after each full run, piling up
    on the test accounts night after night). Under xdist the sessions the workers shared are
    the controller's to sign out, once the last worker is down."""
    sessions = "select count(*) from auth.sessions"
    (before,) = query_one(breakable, "new", sessions)
    run = gate_on(
        breakable,
        tmp_path / "report",
        COURSE_RLS,
        UPLOAD,
        "tests/e2e/test_app_deploy.py",
        *workers,
    )
    (after,) = query_one(breakable, "new", sessions)
    assert "failed" not in run.statuses().values(), run.digest()
    assert after == before, f"{after - before} sign-in session(s) of the run stayed on new"
