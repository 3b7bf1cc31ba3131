"""Damage the clean migration the way a faithful copy still goes wrong, and watch the gate.

A definition that names the old project is copied as it is: schema-parity sees old and new
equal, and only old-references names it; so does a database or role setting holding old's URL,
which role-settings sees equal on both. A setting of every role that old has and new lost is
named by role-settings. A table's replica identity lost on new is named by schema-parity. A cron
job on new that calls a hosted old project through its older functions host is named by
scheduled-jobs. A job whose last run failed with a message echoing a key of its own is named,
the key hidden.
"""

from __future__ import annotations

from pathlib import Path

from selftests.gate.conftest import ServingPlaybook, SuiteRun, config_changed, damaged, gate_on
from selftests.report_texts import texts_in


def _gate_with_both_damaged(
    playbook: ServingPlaybook, report_dir: Path, damage: tuple[list[str], list[str]], *files: str
) -> SuiteRun:
    """The gate on `files`, with `damage` (breaks, repairs) on old and new alike, as a faithful
    copy carries it."""
    breaks, repairs = damage
    with damaged(playbook, "old", breaks, repairs), damaged(playbook, "new", breaks, repairs):
        return gate_on(playbook, report_dir, *files)


def test_definitions_naming_old_fail_old_references_only(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A function body, a trigger, a column default and a view naming old's API host, on old
    and new alike (as the restore carries them): old-references fails naming each object;
    schema-parity and data-parity, which compare new with old, pass."""
    old_host = str(breakable.target("old")["supabase_url"]).split("://", 1)[1]
    stale = [
        "create function public.pm_old_link() returns text language sql"
        f" as $$ select 'http://{old_host}/storage/v1/object/public/avatars/' $$",
        "create function public.pm_noop() returns trigger language plpgsql"
        " as $$ begin return new; end $$",
        "create trigger pm_old_hook after insert on public.notifications for each row"
        f" execute function public.pm_noop('http://{old_host}/functions/v1/hook')",
        "alter table public.hero_videos alter column poster_url"
        f" set default 'http://{old_host}/storage/v1/object/public/media/poster.png'",
        f"create view reporting.pm_old_links as select 'http://{old_host}/x'::text as link",
    ]
    repairs = [
        "drop view if exists reporting.pm_old_links",
        "alter table public.hero_videos alter column poster_url drop default",
        "drop trigger if exists pm_old_hook on public.notifications",
        "drop function if exists public.pm_noop()",
        "drop function if exists public.pm_old_link()",
    ]
    run = _gate_with_both_damaged(
        breakable,
        tmp_path,
        (stale, repairs),
        "tests/parity/test_old_references.py",
        "tests/parity/test_schema_parity.py",
        "tests/parity/test_data_parity.py",
    )
    item = run.item("old-references")
    assert item["status"] == "failed", run.digest()
    assert old_host in item["reason"] and "function public.pm_old_link()" in item["reason"]
    for named in (
        "function public.pm_old_link() (function body)",
        "trigger pm_old_hook on public.notifications (trigger definition)",
        "the default of column public.hero_videos.poster_url (column default)",
        "view reporting.pm_old_links (view definition)",
    ):
        # the reason holds the first finding; the failure's list (in the output) holds them all
        assert f"- {named} names {old_host}" in run.output, run.digest()
    for item_id in ("schema-parity", "data-parity"):
        assert run.item(item_id)["status"] == "passed", run.digest()


def test_settings_naming_old_fail_old_references_not_role_settings(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A database setting, two API roles' settings (one in every database, one in the app's)
    and a setting of every role (ALTER ROLE ALL SET) that hold old's functions URL, on old and
    new alike (a move that copies old's settings as they are): role-settings passes (new keeps
    old's values), and old-references fails naming each setting, never showing its value."""
    old_host = str(breakable.target("old")["supabase_url"]).split("://", 1)[1]
    url = f"http://{old_host}/functions/v1"
    stale = [
        "do $$ begin execute format('alter database %I set app.settings.functions_url = %L',"
        f" current_database(), '{url}'); end $$",
        f"alter role authenticator set app.settings.invite_hook = '{url}/goal-notifications'",
        "do $$ begin execute format('alter role service_role in database %I"
        f" set app.settings.report_url = %L', current_database(), '{url}/weight-report'); end $$",
        f"alter role all set app.settings.cron_url = '{url}/daily-missions'",
    ]
    repairs = [
        "do $$ begin execute format('alter database %I reset app.settings.functions_url',"
        " current_database()); end $$",
        "alter role authenticator reset app.settings.invite_hook",
        "do $$ begin execute format('alter role service_role in database %I"
        " reset app.settings.report_url', current_database()); end $$",
        "alter role all reset app.settings.cron_url",
    ]
    run = _gate_with_both_damaged(
        breakable,
        tmp_path,
        (stale, repairs),
        "tests/parity/test_old_references.py",
        "tests/parity/test_role_settings.py",
    )
    item = run.item("old-references")
    assert item["status"] == "failed", run.digest()
    for named in (
        "the database: app.settings.functions_url (role or database setting)",
        "role authenticator: app.settings.invite_hook (role or database setting)",
        "role service_role in this database: app.settings.report_url (role or database setting)",
        "every role: app.settings.cron_url (role or database setting)",
    ):
        assert f"- {named} names {old_host}" in run.output, run.digest()
    assert "/functions/v1" not in run.output, run.digest()
    assert run.item("role-settings")["status"] == "passed", run.digest()


def test_a_setting_of_every_role_lost_on_new_fails_role_settings(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old sets a statement timeout for every role (ALTER ROLE ALL SET, which the API roles
    start with too) and new does not: role-settings fails naming it (before, only the API roles'
    own settings and the database's were read, and the item stayed green)."""
    timeout = ["alter role all set statement_timeout = '20s'"]
    with damaged(breakable, "old", timeout, ["alter role all reset statement_timeout"]):
        run = gate_on(breakable, tmp_path, "tests/parity/test_role_settings.py")
    item = run.item("role-settings")
    assert item["status"] == "failed", run.digest()
    assert "every role: statement_timeout = 20s on old but not on new" in item["reason"], (
        run.digest()
    )


def test_a_job_calling_old_s_functions_host_fails_scheduled_jobs(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old was a hosted project (its https://<ref>.supabase.co in new's old_origins) and a
    cron job on new calls https://<ref>.functions.supabase.co: scheduled-jobs fails naming that
    host (before the functions host counted as old, the item stayed green)."""
    legacy = "https://abcdefghijklmnop.functions.supabase.co"
    hosted = "https://abcdefghijklmnop.supabase.co"
    hosted_old = config_changed(
        breakable,
        tmp_path / "hosted-old.toml",
        lambda config: config["targets"]["new"].update(
            old_origins=[*config["targets"]["new"].get("old_origins", []), hosted]
        ),
    )
    job = (
        "select cron.schedule('pm-legacy-reminders', '0 4 * * *', $$select net.http_post("
        f"url := '{legacy}/goal-notifications', body := '{{}}'::jsonb)$$)"
    )
    repair = "select cron.unschedule(jobid) from cron.job where jobname = 'pm-legacy-reminders'"
    with damaged(breakable, "new", [job], [repair]):
        run = gate_on(
            breakable, tmp_path / "run", "tests/parity/test_scheduled_jobs.py", config=hosted_old
        )
    item = run.item("scheduled-jobs")
    assert item["status"] == "failed", run.digest()
    named = f'cron job "pm-legacy-reminders" on new calls old\'s origin {legacy}'
    assert named in item["reason"], run.digest()


def test_a_job_that_failed_with_a_key_in_its_message_is_named_without_the_key(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """nightly-goal-reminders' last run on new failed, its error echoing a provider's key the
    run never knew (a job calling the app's own function with a literal key): scheduled-jobs
    fails naming the job and its error, and the key is in no report (it was printed whole)."""
    key = "re_Zk81pQ4mT7vX2wY9aBcD"
    failed_run = (
        "insert into cron.job_run_details (jobid, runid, status, return_message, start_time)"
        " select jobid, nextval('cron.runid_seq'), 'failed',"
        f" 'ERROR:  Resend refused key {key}: invalid API key', now()"
        " from cron.job where jobname = 'nightly-goal-reminders'"
    )
    repair = f"delete from cron.job_run_details where return_message like '%{key}%'"
    with damaged(breakable, "new", [failed_run], [repair]):
        run = gate_on(breakable, tmp_path / "run", "tests/parity/test_scheduled_jobs.py")
    item = run.item("scheduled-jobs")
    assert item["status"] == "failed", run.digest()
    named = (
        'cron job "nightly-goal-reminders" failed its last run on new:'
        " ERROR: Resend refused key [hidden]: invalid API key"
    )
    assert named in item["reason"], run.digest()
    texts = "\n".join([run.output, *texts_in(run.report_dir / "go-no-go.html")])
    assert key not in texts, "the job's key is in the output or the report"


def test_a_replica_identity_lost_on_new_fails_schema_parity(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Old sends the whole old row with Realtime's update and delete events on notifications
    (REPLICA IDENTITY FULL); new has the default (the primary key only), as a table re-created by
    a migration has: schema-parity names it with both sides (before, the item stayed green)."""
    full = ["alter table public.notifications replica identity full"]
    default = ["alter table public.notifications replica identity default"]
    with damaged(breakable, "old", full, default):
        run = gate_on(breakable, tmp_path, "tests/parity/test_schema_parity.py")
    item = run.item("schema-parity")
    assert item["status"] == "failed", run.digest()
    assert (
        "replica identity of table public.notifications differs: new has 'default: update and"
        " delete events carry the primary key only', old has 'full: update and delete events"
        " carry the whole old row'"
    ) in run.output, run.digest()


def test_a_publication_narrowed_on_new_fails_schema_parity(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """New's supabase_realtime keeps only three columns of notifications, and only some rows (a
    column list and a row filter, PostgreSQL 15): the in-app card's title and body would never
    reach Realtime's subscribers. The table is still published, so realtime passes;
    schema-parity names the difference with both sides (before, both items stayed green)."""
    narrowed = [
        "alter publication supabase_realtime set table public.notifications"
        " (id, user_id, created_at) where (user_id is not null)"
    ]
    whole = ["alter publication supabase_realtime set table public.notifications"]
    with damaged(breakable, "new", narrowed, whole):
        run = gate_on(
            breakable,
            tmp_path,
            "tests/parity/test_schema_parity.py",
            "tests/parity/test_realtime.py",
        )
    assert run.item("schema-parity")["status"] == "failed", run.digest()
    assert run.item("realtime")["status"] == "passed", run.digest()
    assert (
        "published table public.notifications in publication supabase_realtime differs: new has"
        " 'published (columns id, user_id, created_at only) where (user_id IS NOT NULL)', old"
        " has 'published'"
    ) in run.output, run.digest()
