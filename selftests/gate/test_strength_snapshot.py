"""Without old (the nightly run on staging, or no --compare-to), grants, schema-parity,
realtime, the extensions' schemas and the API roles' settings compare new with the committed
schema snapshot (reference/supabase/schema.snapshot.json), and rls-policies with the committed
policies snapshot (reference/supabase/policies.snapshot.json).

Before it, a lost revoke, lost default privileges, uuid-ossp moved into public, a table
dropped from the realtime publication and a role's lost setting were "not verified" (or waived
at night): nothing said what was wrong. A snapshot keeps `app.*` settings as set, never their
values: one it has and new lacks is named, one new holds with its own value is not. New is put
back exactly afterwards.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from postmigration.app_profile import DEFAULT_POLICIES_SNAPSHOT, DEFAULT_SCHEMA_SNAPSHOT
from postmigration.db.role_settings import SET
from postmigration.origins import origin_of
from reference.stack.project_setup import (
    FUNCTION_PATH,
    NIGHTLY_COMMAND,
    NIGHTLY_JOB,
    NIGHTLY_SCHEDULE,
    WEBHOOK_NAME,
    WEBHOOK_TABLE,
)
from selftests.gate.conftest import (
    ServingPlaybook,
    SuiteRun,
    config_changed,
    damaged,
    query_one,
    run_suite,
    sql_literal,
)

FILES = (
    "tests/preflight/test_extensions.py",
    "tests/parity/test_grants.py",
    "tests/parity/test_schema_parity.py",
    "tests/parity/test_realtime.py",
    "tests/parity/test_role_settings.py",
    "tests/parity/test_scheduled_jobs.py",
    "tests/parity/test_vault.py",
    "tests/parity/test_webhooks.py",
)
SNAPSHOT = "the committed snapshot schema.snapshot.json"
# The items the snapshot stands in for old in (their schema check, for extensions).
SNAPSHOT_ITEMS = (
    "extensions",
    "schema-parity",
    "grants",
    "realtime",
    "role-settings",
    "scheduled-jobs",
    "vault",
    "webhooks",
)
COMMITTED = Path(__file__).resolve().parents[2] / DEFAULT_SCHEMA_SNAPSHOT
POLICIES = Path(__file__).resolve().parents[2] / DEFAULT_POLICIES_SNAPSHOT


def _gate_without_old(
    playbook: ServingPlaybook, report_dir: Path, phase: str, config: Path | None = None
) -> SuiteRun:
    """The gate on new alone (no --compare-to) in `phase`, on the files the snapshot serves
    (with the playbook's config, or `config`)."""
    return run_suite(
        report_dir,
        *FILES,
        "--target=new",
        f"--pm-config={config or playbook.config_path}",
        f"--phase={phase}",
    )


def _file_at_night(report_dir: Path, test_file: str, config: Path) -> SuiteRun:
    """The gate at night on new alone, on one test file, with the config `config`."""
    return run_suite(
        report_dir, test_file, "--target=new", f"--pm-config={config}", "--phase=nightly"
    )


def _config_with_snapshot(playbook: ServingPlaybook, tmp_path: Path, data: dict[str, Any]) -> Path:
    """The playbook's config with its schema snapshot replaced by `data`, written in
    `tmp_path`."""
    snapshot = tmp_path / "schema.snapshot.json"
    snapshot.write_text(json.dumps(data, indent=1, sort_keys=True))
    return config_changed(
        playbook,
        tmp_path / "postmigration.toml",
        lambda config: config.setdefault("app", {}).update(schema_snapshot=str(snapshot)),
    )


def _assert_blocker_failed(run: SuiteRun, item_id: str, reason: str) -> None:
    """`item_id` is a failed blocker of `run`, for exactly `reason`."""
    item = run.item(item_id)
    assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    assert item["reason"] == reason, item["reason"]


def test_without_old_the_snapshot_names_what_new_lost(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """At night: grants fails naming the regained anon grant, the lost default privilege and
    the app's role no longer granted to authenticator, realtime names the unpublished table,
    extensions names uuid-ossp in public, role-settings names authenticated's statement_timeout
    back at the fresh project's 8 s, and schema-parity names uuid-ossp in public too and the
    app's event trigger left disabled (blockers all: schema-parity was data-parity's schema
    half before, waived at night with the rows it cannot compare)."""
    breaks = [
        "grant select, insert on public.weight_measurements to anon",
        "alter default privileges for role postgres in schema reporting"
        " revoke select on tables from authenticated, service_role",
        'alter extension "uuid-ossp" set schema public',
        "alter publication supabase_realtime drop table public.notifications",
        "alter role authenticated set statement_timeout = '8s'",
        "alter event trigger ensure_rls_on_new_tables disable",
        "revoke report_reader from authenticator",
    ]
    repairs = [
        "revoke all on public.weight_measurements from anon",
        "alter default privileges for role postgres in schema reporting"
        " grant select on tables to authenticated, service_role",
        'alter extension "uuid-ossp" set schema extensions',
        "alter publication supabase_realtime add table public.notifications",
        "alter role authenticated set statement_timeout = '15s'",
        "alter event trigger ensure_rls_on_new_tables enable",
        "grant report_reader to authenticator",
    ]
    with damaged(breakable, "new", breaks, repairs):
        run = _gate_without_old(breakable, tmp_path, "nightly")
    assert run.verdict == "NO-GO", run.digest()
    grants = run.item("grants")
    assert (grants["severity"], grants["status"]) == ("blocker", "failed"), run.digest()
    assert grants["reason"].startswith(f"grants on new differ from {SNAPSHOT}"), grants["reason"]
    for finding in (
        "anon holds INSERT, SELECT on table public.weight_measurements, which the snapshot"
        " does not grant",
        "authenticated lacks SELECT on default privileges of postgres in schema reporting for"
        " future tables (the snapshot grants it)",
    ):
        assert f"- {finding}" in run.output, run.digest()
    assert (
        "the app's roles on new differ from the committed snapshot schema.snapshot.json: role"
        " report_reader is not granted to authenticator on new (the snapshot grants it)"
    ) in run.output, run.digest()
    realtime = run.item("realtime")
    assert (realtime["severity"], realtime["status"]) == ("blocker", "failed"), run.digest()
    assert (
        "table public.notifications is not in publication supabase_realtime" in (realtime["reason"])
    )
    _assert_blocker_failed(
        run,
        "extensions",
        f"extensions are not where {SNAPSHOT} has them: extension uuid-ossp is"
        " 'in schema public, version 1.1' on new, 'in schema extensions, version 1.1' on the"
        " snapshot",
    )
    _assert_blocker_failed(
        run,
        "role-settings",
        f"the API's roles or the database lost the settings {SNAPSHOT} has on new: role"
        " authenticated: statement_timeout is 8s on new but 15s on the snapshot",
    )
    parity = run.item("schema-parity")
    assert (parity["severity"], parity["status"]) == ("blocker", "failed"), run.digest()
    assert "extension uuid-ossp differs: new has 'in schema public" in parity["reason"]
    assert (
        "- event trigger ensure_rls_on_new_tables differs: new has 'on ddl_command_end for CREATE"
        " TABLE, CREATE TABLE AS, SELECT INTO, runs public.enable_rls_on_new_tables(), disabled'"
    ) in run.output, run.digest()


def test_without_old_the_clean_migration_matches_the_snapshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Right after the cutover with no --compare-to: extensions, schema-parity, grants,
    realtime, role-settings, scheduled-jobs and vault pass against the snapshot, saying so in
    the evidence (public's schema with what it counted)."""
    run = _gate_without_old(breakable, tmp_path, "post-cutover")
    for item_id in SNAPSHOT_ITEMS:
        assert run.item(item_id)["status"] == "passed", run.digest()
    html = (tmp_path / "go-no-go.html").read_text()
    assert f"compared with {SNAPSHOT}, taken 20" in html
    assert "13 tables, 28 indexes, 11 functions" in html, "public's schema was not compared"


def test_without_old_public_s_own_schema_holds_the_gate_after_the_cutover_and_at_night(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """With no --compare-to, right after the cutover and at night: an index dropped in public,
    a column left nullable and the foreign key of a table whose triggers were left off (DISABLE
    TRIGGER ALL) fail schema-parity, a blocker, naming each against the snapshot; restore-finished
    names the foreign key on new alone. Before, public was compared with old only (all three
    passed); then as data-parity's schema half, which the nightly phase waived with the rows:
    GO at night."""
    index = "public.hero_videos_one_active_idx"
    breaks = [
        f"drop index {index}",
        "alter table public.goals alter column title drop not null",
        "alter table public.lessons disable trigger all",
    ]
    repairs = [
        f"create unique index {index.partition('.')[2]} on public.hero_videos (is_active)"
        " where is_active",
        "alter table public.goals alter column title set not null",
        "alter table public.lessons enable trigger all",
    ]
    with damaged(breakable, "new", breaks, repairs):
        runs = [
            run_suite(
                tmp_path / phase,
                "tests/parity/test_schema_parity.py",
                "tests/parity/test_restore_finished.py",
                "--target=new",
                f"--pm-config={breakable.config_path}",
                f"--phase={phase}",
            )
            for phase in ("post-cutover", "nightly")
        ]
    for run in runs:
        _assert_public_s_schema_named(run, index)


def _assert_public_s_schema_named(run: SuiteRun, index: str) -> None:
    """NO-GO: schema-parity a failed blocker naming the three damages against the snapshot,
    and restore-finished the foreign key."""
    assert run.verdict == "NO-GO", run.digest()
    parity = run.item("schema-parity")
    assert (parity["severity"], parity["status"]) == ("blocker", "failed"), run.digest()
    assert parity["reason"].startswith(f"the schema on new differs from {SNAPSHOT}: "), parity
    for finding in (
        "column public.goals.title differs: new has 'text null default none', the snapshot"
        " has 'text not null default none'",
        f"index {index} is missing on new",
        "foreign key lessons_module_id_fkey on public.lessons is not enforced as on the"
        " snapshot: its triggers are partly disabled, partly enabled on new",
        "trigger lessons_admin_log on public.lessons is disabled on new",
    ):
        assert f"- {finding}" in run.output, run.digest()
    finished = run.item("restore-finished")
    assert finished["status"] == "failed", run.digest()
    assert (
        "foreign key lessons_module_id_fkey on public.lessons is not enforced"
        in (finished["reason"])
    )


def test_a_snapshot_older_than_the_migrations_asks_for_a_refresh(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A migration recorded on new after the snapshot was taken: extensions, grants, realtime
    schema-parity, role-settings, scheduled-jobs and vault are not verified, naming the migration and the command that
    refreshes the snapshot; at night that holds the gate (the snapshot exists: the phase waives
    none)."""
    migration = (
        "insert into supabase_migrations.schema_migrations (version, name)"
        " values ('20991231000000', 'added_after_the_snapshot')"
    )
    undo = "delete from supabase_migrations.schema_migrations where version = '20991231000000'"
    with damaged(breakable, "new", [migration], [undo]):
        run = _gate_without_old(breakable, tmp_path, "nightly")
    assert run.verdict == "NO-GO", run.digest()
    for item_id in SNAPSHOT_ITEMS:
        item = run.item(item_id)
        assert (item["severity"], item["status"]) == ("blocker", "not_verified"), run.digest()
        assert "20991231000000_added_after_the_snapshot" in item["reason"], item["reason"]
        assert "refresh it with `python -m postmigration.db.snapshot" in item["reason"]


def test_without_old_an_app_setting_is_compared_by_presence_only(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A snapshot records two `app.*` settings of authenticator as set, never their values.
    New lacks one: role-settings fails naming it. New holds the other with a value of its own:
    no finding (the snapshot cannot know the value), and the value is never shown."""
    data = json.loads(COMMITTED.read_text())
    data["role_settings"] += [
        ["role authenticator", "app.settings.invite_hook", SET],
        ["role authenticator", "app.settings.report_key", SET],
    ]
    with_snapshot = _config_with_snapshot(breakable, tmp_path, data)
    value = "k-report-5d21e0"
    setting = f"alter role authenticator set app.settings.report_key = '{value}'"
    reset = "alter role authenticator reset app.settings.report_key"
    with damaged(breakable, "new", [setting], [reset]):
        run = _gate_without_old(breakable, tmp_path / "run", "nightly", with_snapshot)
    _assert_blocker_failed(
        run,
        "role-settings",
        f"the API's roles or the database lost the settings {SNAPSHOT} has on new: role"
        " authenticator: app.settings.invite_hook is set on the snapshot but not on new",
    )
    assert "report_key" not in run.output, run.digest()
    assert value not in run.output, run.digest()


def test_at_night_jobs_vault_secrets_and_webhooks_are_checked_against_the_snapshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """At night on staging, no old: the nightly job unscheduled, the Vault secret
    service_role_key renamed away, project_url pointing at another project (staging's jobs
    calling production), and the webhook re-created calling another project's function:
    scheduled-jobs, vault and webhooks fail as blockers naming each against the snapshot
    (before, all three were waived at night: GO). The Vault URL is never shown."""
    (secret_id,) = query_one(
        breakable, "new", "select id::text from vault.secrets where name = 'project_url'"
    )
    (url,) = query_one(
        breakable,
        "new",
        "select decrypted_secret from vault.decrypted_secrets where name = 'project_url'",
    )
    elsewhere = "https://prod-lms-7c1d.example.com"
    hooks_elsewhere = "https://prod-hooks-7c1d.example.com"
    (webhook,) = query_one(
        breakable,
        "new",
        f"select pg_get_triggerdef(oid) from pg_trigger where tgname = '{WEBHOOK_NAME}'",
    )
    new_origin = origin_of(str(breakable.target("new")["supabase_url"]))
    moved = str(webhook).replace(new_origin, hooks_elsewhere)
    assert moved != webhook, "the webhook does not call new's origin"
    breaks = [
        f"drop trigger {WEBHOOK_NAME} on {WEBHOOK_TABLE}",
        moved,
        f"select cron.unschedule('{NIGHTLY_JOB}')",
        "update vault.secrets set name = 'service_role_key_was' where name = 'service_role_key'",
        f"select vault.update_secret('{secret_id}', '{elsewhere}')",
    ]
    repairs = [
        f"select cron.unschedule(jobid) from cron.job where jobname = '{NIGHTLY_JOB}'",
        f"select cron.schedule('{NIGHTLY_JOB}', '{NIGHTLY_SCHEDULE}', {sql_literal(NIGHTLY_COMMAND)})",
        "update vault.secrets set name = 'service_role_key' where name = 'service_role_key_was'",
        f"select vault.update_secret('{secret_id}', {sql_literal(str(url))})",
        f"drop trigger if exists {WEBHOOK_NAME} on {WEBHOOK_TABLE}",
        str(webhook),
    ]
    # the job is scheduled again for the project_url finding, then removed with the rest
    rescheduled = [
        f"select cron.schedule('{NIGHTLY_JOB}', '{NIGHTLY_SCHEDULE}', {sql_literal(NIGHTLY_COMMAND)})"
    ]
    with damaged(breakable, "new", breaks, repairs):
        gone = _gate_without_old(breakable, tmp_path / "gone", "nightly")
        with damaged(breakable, "new", rescheduled, [f"select cron.unschedule('{NIGHTLY_JOB}')"]):
            elsewhere_run = _gate_without_old(breakable, tmp_path / "elsewhere", "nightly")
    assert gone.verdict == "NO-GO", gone.digest()
    _assert_blocker_failed(
        gone,
        "scheduled-jobs",
        f'scheduled jobs are not as on {SNAPSHOT}: cron job "{NIGHTLY_JOB}"'
        f" ({NIGHTLY_SCHEDULE}) is not scheduled on new (the snapshot has it)",
    )
    _assert_blocker_failed(
        gone,
        "vault",
        f"Vault secrets {SNAPSHOT} names are not usable on new: Vault secret service_role_key is"
        " missing on new",
    )
    _assert_blocker_failed(
        gone,
        "webhooks",
        f"webhooks are not as on {SNAPSHOT}: webhook {WEBHOOK_NAME} on {WEBHOOK_TABLE} on new"
        f" calls another project than new: {hooks_elsewhere}",
    )
    _assert_blocker_failed(
        elsewhere_run,
        "scheduled-jobs",
        f'scheduled jobs are not as on {SNAPSHOT}: cron job "{NIGHTLY_JOB}" on new calls'
        " another project than new through Vault secret project_url: the URL it holds is not"
        " on new's origin",
    )
    for run in (gone, elsewhere_run):
        assert elsewhere not in run.output, run.digest()


def test_at_night_a_job_or_webhook_changed_in_place_is_named_against_the_snapshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """At night on staging, no old, both still calling new: the nightly job moved to another
    hour and calling another function, the webhook re-created calling another function with
    another method, without its Authorization header, with other params and a shorter
    timeout. scheduled-jobs and webhooks fail as blockers naming each difference against the
    snapshot (which keeps a digest of the job's command and of the webhook's params, never a
    key)."""
    (webhook,) = query_one(
        breakable,
        "new",
        f"select pg_get_triggerdef(oid) from pg_trigger where tgname = '{WEBHOOK_NAME}'",
    )
    legacy = "/functions/v1/goal-notify-legacy"
    changed = str(webhook).replace(f"{FUNCTION_PATH}'", f"{legacy}'")
    changed = changed.replace("'POST'", "'PUT'").replace("'5000')", "'1000')")
    changed = changed.replace("'{}'", '\'{"source": "legacy"}\'')
    changed = re.sub(r', "Authorization": "Bearer [^"]*"', "", changed)
    assert legacy in changed and "Authorization" not in changed, "the webhook was not changed"
    job = f"from cron.job where jobname = '{NIGHTLY_JOB}'"
    breaks = [
        "select cron.alter_job(jobid, schedule := '0 4 * * *',"
        f" command := replace(command, '{FUNCTION_PATH}', '{legacy}')) {job}",
        f"drop trigger {WEBHOOK_NAME} on {WEBHOOK_TABLE}",
        changed,
    ]
    repairs = [
        f"select cron.alter_job(jobid, schedule := '{NIGHTLY_SCHEDULE}',"
        f" command := {sql_literal(NIGHTLY_COMMAND)}) {job}",
        f"drop trigger if exists {WEBHOOK_NAME} on {WEBHOOK_TABLE}",
        str(webhook),
    ]
    with damaged(breakable, "new", breaks, repairs):
        run = _gate_without_old(breakable, tmp_path, "nightly")
    assert run.verdict == "NO-GO", run.digest()
    jobs, hooks = run.item("scheduled-jobs"), run.item("webhooks")
    for item in (jobs, hooks):
        assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    assert jobs["reason"].startswith(f"scheduled jobs are not as on {SNAPSHOT}: "), jobs
    assert hooks["reason"].startswith(f"webhooks are not as on {SNAPSHOT}: "), hooks
    hook = f"webhook {WEBHOOK_NAME} on {WEBHOOK_TABLE}"
    for finding in (
        f'cron job "{NIGHTLY_JOB}" runs at "0 4 * * *" on new but "{NIGHTLY_SCHEDULE}" on the'
        " snapshot",
        f'cron job "{NIGHTLY_JOB}" runs a different command on new than on the snapshot (its'
        " URLs and keys aside)",
        f"{hook} calls <origin>{legacy} on new, the snapshot has <origin>{FUNCTION_PATH}",
        f"{hook} sends PUT on new, POST on the snapshot",
        f"{hook} on new does not send the header(s) authorization that the snapshot sends",
        f"{hook} sends other query params on new than on the snapshot",
        f"{hook} waits 1000 ms on new, 5000 ms on the snapshot",
    ):
        assert f"- {finding}" in run.output, run.digest()


@pytest.mark.parametrize(
    ("part", "held"),
    [
        ("public_schema", "public's schema"),
        ("platform_triggers", "the app's triggers on the platform's tables"),
    ],
)
def test_a_snapshot_without_public_s_schema_leaves_schema_parity_not_verified(
    breakable: ServingPlaybook, tmp_path: Path, part: str, held: str
) -> None:
    """A snapshot written before it held public's schema, or the app's triggers on the
    platform's tables: schema-parity is not verified, asking for a refresh (before, its public
    test passed having compared nothing, or only public's part)."""
    data = json.loads(COMMITTED.read_text())
    del data[part]
    older = _config_with_snapshot(breakable, tmp_path, data)
    run = _file_at_night(tmp_path / "run", "tests/parity/test_schema_parity.py", older)
    item = run.item("schema-parity")
    assert (item["severity"], item["status"]) == ("blocker", "not_verified"), run.digest()
    assert f"was written before it held {held}: refresh it with" in item["reason"]


def _rls_policies_at_night(playbook: ServingPlaybook, tmp_path: Path, snapshot: Path) -> SuiteRun:
    """rls-policies at night on new, against the policies snapshot `snapshot`."""
    config = config_changed(
        playbook,
        tmp_path / "postmigration.toml",
        lambda config: config.setdefault("app", {}).update(policies_snapshot=str(snapshot)),
    )
    return _file_at_night(tmp_path / "run", "tests/preflight/test_rls_policies.py", config)


def test_at_night_a_custom_schema_s_policy_rls_and_force_are_checked_against_the_snapshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The snapshot holds a policy and row level security on reporting.pm_exports, and FORCE on
    goals; on staging the policy is lost, RLS is off, goals is not forced and courses is:
    rls-policies names all four against the snapshot (before, at night it compared public's and
    storage's policies only: passed)."""
    data = json.loads(POLICIES.read_text())
    data["policies"].append(
        {
            "schema": "reporting",
            "table": "pm_exports",
            "name": "own exports",
            "command": "SELECT",
            "roles": ["authenticated"],
            "using": "(owner = auth.uid())",
            "with_check": None,
            "permissive": "PERMISSIVE",
        }
    )
    data["row_security"]["reporting.pm_exports"] = {"enabled": True, "forced": False}
    data["row_security"]["public.goals"]["forced"] = True
    snapshot = tmp_path / "policies.snapshot.json"
    snapshot.write_text(json.dumps(data, indent=1))
    breaks = [
        "create table reporting.pm_exports (id bigint primary key, owner uuid)",
        "alter table public.courses force row level security",
    ]
    repairs = [
        "drop table if exists reporting.pm_exports",
        "alter table public.courses no force row level security",
    ]
    with damaged(breakable, "new", breaks, repairs):
        run = _rls_policies_at_night(breakable, tmp_path, snapshot)
    item = run.item("rls-policies")
    assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    where = "the snapshot policies.snapshot.json"
    assert item["reason"].startswith(f"policies and row level security differ from {where}: ")
    for finding in (
        f'policy "own exports" on reporting.pm_exports is missing (present in {where})',
        f"row level security is off on reporting.pm_exports on new (on on {where})",
        f"row level security is no longer forced on public.goals on new: {where} forces it on"
        " the table's owner too (FORCE ROW LEVEL SECURITY)",
        f"row level security is forced on public.courses on new but not on {where}: new holds"
        " the table's owner to its policies too (FORCE ROW LEVEL SECURITY)",
    ):
        assert f"- {finding}" in run.output, run.digest()


def test_a_policies_snapshot_of_only_policies_says_what_it_leaves_out(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A snapshot written before it held the row level security (a bare list of policies):
    rls-policies still compares public's and storage's policies at night, passing on the clean
    migration, and its evidence says what is not compared and how to refresh the snapshot."""
    data = json.loads(POLICIES.read_text())
    snapshot = tmp_path / "policies.snapshot.json"
    snapshot.write_text(json.dumps(data["policies"], indent=1))
    run = _rls_policies_at_night(breakable, tmp_path, snapshot)
    assert run.item("rls-policies")["status"] == "passed", run.digest()
    html = (tmp_path / "run" / "go-no-go.html").read_text()
    assert "where row level security is on or forced, are not compared" in html, "not said"
    assert "compared with the snapshot policies.snapshot.json" in html


def _grants_reason_at_night(
    breakable: ServingPlaybook, tmp_path: Path, grant: str, revoke: str
) -> str:
    """grants' reason at night on new damaged by `grant` (undone by `revoke`), asserted a
    failed blocker."""
    with damaged(breakable, "new", [grant], [revoke]):
        run = _file_at_night(tmp_path / "run", "tests/parity/test_grants.py", breakable.config_path)
    item = run.item("grants")
    assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    return str(item["reason"])


def test_at_night_an_api_role_s_new_membership_is_named_against_the_snapshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """On staging, authenticated is made a member of report_reader: grants names it against
    the snapshot, for what it does (before, a membership only new has was not judged: GO)."""
    reason = _grants_reason_at_night(
        breakable,
        tmp_path,
        "grant report_reader to authenticated",
        "revoke report_reader from authenticated",
    )
    assert reason == (
        f"the API roles' memberships on new differ from {SNAPSHOT}: role authenticated is a"
        " member of report_reader on new but not on the snapshot: authenticated does not inherit"
        " them (NOINHERIT), but may take them with SET ROLE"
    ), reason


def test_at_night_the_api_login_s_new_membership_is_named_against_the_snapshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """On staging, authenticator is made a member of postgres: grants names what a token may
    then do, against the snapshot (before, authenticator's memberships were not compared: GO)."""
    reason = _grants_reason_at_night(
        breakable, tmp_path, "grant postgres to authenticator", "revoke postgres from authenticator"
    )
    assert reason == (
        f"the API roles' memberships on new differ from {SNAPSHOT}: role authenticator is a"
        " member of postgres on new but not on the snapshot: the API acts as postgres for any"
        " request whose token names it"
    ), reason


def test_a_snapshot_written_before_it_kept_authenticator_says_it_is_not_compared(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A snapshot whose API roles lack authenticator (written before it kept it): grants
    compares the three API roles and says in its evidence that authenticator is not compared."""
    data = json.loads(COMMITTED.read_text())
    del data["api_roles"]["authenticator"]
    older = _config_with_snapshot(breakable, tmp_path, data)
    run = _file_at_night(tmp_path / "run", "tests/parity/test_grants.py", older)
    item = run.item("grants")
    assert item["status"] == "passed", run.digest()
    html = (tmp_path / "run" / "go-no-go.html").read_text()
    assert (
        "authenticator: noinherit; member of anon, authenticated, report_reader, service_role"
        " (not compared: the snapshot does not hold it)"
    ) in html, "the evidence does not say authenticator is not compared"
    assert html.count("(not compared: the snapshot does not hold it)") == 1, "another role"
