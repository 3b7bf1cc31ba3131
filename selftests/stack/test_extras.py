"""The stand-in's parts a project carries besides its tables: the goal_invites webhook fires
through the pg_net stand-in and the function answers; Vault decrypts its own secrets and not
another key's ciphertext; pg_cron is loaded with the nightly job scheduled; the realtime
publication carries notifications; the auth settings are served and `redirect_to` honours
the allow-list, falling back to the Site URL silently."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import psycopg
import pytest

from reference.stack.runner import StackProcess

WEBHOOK_WAIT_S = 20.0


@pytest.fixture()
def db(stack: StackProcess) -> Iterator[psycopg.Connection]:
    """An autocommit superuser connection to the stand-in's database."""
    with psycopg.connect(str(stack.target["db_url"]), autocommit=True) as conn:
        yield conn


def test_webhook_on_goal_invites_calls_the_function(db: psycopg.Connection) -> None:
    """An insert on goal_invites is recorded in supabase_functions.hooks and the queued POST
    reaches goal-notifications, which answers 200 (the sender records it in net._http_response)."""
    row = db.execute(
        "insert into public.goal_invites (goal_id, inviter_id, invitee_email)"
        " select id, owner_id, 'webhook-probe@example.com' from public.goals limit 1 returning id"
    ).fetchone()
    assert row, "the seed has no goal to invite to"
    try:
        hook = db.execute(
            "select request_id from supabase_functions.hooks"
            " where hook_name = 'goal_invites_webhook' order by id desc limit 1"
        ).fetchone()
        assert hook and hook[0], "the insert was not recorded in supabase_functions.hooks"
        deadline = time.monotonic() + WEBHOOK_WAIT_S
        answer = None
        while time.monotonic() < deadline and answer is None:
            answer = db.execute(
                "select status_code, content, error_msg from net._http_response where id = %s",
                (hook[0],),
            ).fetchone()
            time.sleep(0.2)
        assert answer is not None, f"the webhook's request was not sent in {WEBHOOK_WAIT_S}s"
        status, content, error = answer
        assert status == 200, f"goal-notifications answered {status}: {content or error}"
        assert json.loads(content)["ok"] is True
    finally:
        db.execute("delete from public.goal_invites where id = %s", (row[0],))


def test_vault_decrypts_its_own_secrets_only(db: psycopg.Connection) -> None:
    """vault.create_secret's secret decrypts in vault.decrypted_secrets; ciphertext made with
    another key (another project's row copied over) is stored but decrypts to null;
    update_secret re-encrypts under this project's key."""
    made = db.execute("select vault.create_secret('s3cret', 'probe_own', 'probe')").fetchone()
    assert made
    other = base64.b64encode(
        db.execute("select extensions.pgp_sym_encrypt('s3cret', 'another project key')").fetchone()[
            0
        ]  # type: ignore[index]
    ).decode()
    db.execute("insert into vault.secrets (name, secret) values ('probe_other', %s)", (other,))
    try:
        found = dict(
            db.execute(
                "select name, decrypted_secret from vault.decrypted_secrets"
                " where name in ('probe_own', 'probe_other')"
            ).fetchall()
        )
        assert found == {"probe_own": "s3cret", "probe_other": None}
        db.execute(
            "select vault.update_secret(id, 'again') from vault.secrets where name = 'probe_other'"
        )
        again = db.execute(
            "select decrypted_secret from vault.decrypted_secrets where name = 'probe_other'"
        ).fetchone()
        assert again == ("again",)
    finally:
        db.execute("delete from vault.secrets where name in ('probe_own', 'probe_other')")


def test_pg_cron_runs_the_nightly_job(db: psycopg.Connection) -> None:
    """pg_cron is installed, its launcher runs, and the nightly job is scheduled and active,
    reading the project URL and key from Vault (both decrypt). The job is not waited for."""
    launcher = db.execute(
        "select count(*) from pg_stat_activity where backend_type = 'pg_cron launcher'"
    ).fetchone()
    assert launcher == (1,), "pg_cron's launcher is not running (shared_preload_libraries?)"
    job = db.execute(
        "select schedule, active, command from cron.job where jobname = 'nightly-goal-reminders'"
    ).fetchone()
    assert job and job[0] == "0 3 * * *" and job[1] is True, job
    assert "vault.decrypted_secrets" in job[2]
    decrypted = db.execute(
        "select count(*) from vault.decrypted_secrets"
        " where name in ('project_url', 'service_role_key') and decrypted_secret is not null"
    ).fetchone()
    assert decrypted == (2,)


def test_realtime_publishes_notifications(db: psycopg.Connection) -> None:
    """supabase_realtime carries public.notifications (the in-app card's table)."""
    rows = db.execute(
        "select schemaname, tablename from pg_publication_tables where pubname = 'supabase_realtime'"
    ).fetchall()
    assert ("public", "notifications") in rows, rows


def test_auth_settings_and_the_redirect_allow_list(stack: StackProcess) -> None:
    """GET /auth/v1/settings shows the project's providers; a sign-in link asking for the app's
    deep link (on the allow-list) is sent there, one asking for a host not on it falls back to
    the Site URL."""
    url, anon = stack.url, str(stack.target["anon_key"])
    settings = httpx.get(f"{url}/auth/v1/settings", headers={"apikey": anon}).json()
    assert settings["external"]["google"] is True and settings["external"]["email"] is True
    assert settings["external"]["apple"] is False and settings["disable_signup"] is False

    def landing(redirect_to: str) -> str:
        query = urlencode({"type": "magiclink", "token": "nope", "redirect_to": redirect_to})
        answer = httpx.get(f"{url}/auth/v1/verify?{query}", headers={"apikey": anon})
        assert answer.status_code == 303, answer.text
        return answer.headers["location"].partition("#")[0]

    assert landing("lmsapp://auth/callback") == "lmsapp://auth/callback"
    assert landing("https://evil.example.com/cb") == str(stack.target["site_url"])


CRON_WAIT_S = 75.0  # pg_cron 1.4 schedules by the minute


def test_pg_cron_runs_jobs_and_records_each_outcome(db: psycopg.Connection) -> None:
    """Two every-minute jobs run in pg_cron's background workers within a minute: the good one
    is recorded `succeeded` in cron.job_run_details, the broken one `failed`, and the gate's
    reader (postmigration.db.carried.cron_jobs) reports each job's last outcome."""
    from postmigration.db.carried import cron_jobs

    db.execute("select cron.schedule('probe-ok', '* * * * *', 'select 1')")
    db.execute("select cron.schedule('probe-broken', '* * * * *', 'select 1/0')")
    try:
        deadline = time.monotonic() + CRON_WAIT_S
        jobs = cron_jobs(db) or {}
        while time.monotonic() < deadline and not all(
            jobs.get(name) and jobs[name].last_status for name in ("probe-ok", "probe-broken")
        ):
            time.sleep(1.0)
            jobs = cron_jobs(db) or {}
        assert jobs["probe-ok"].last_status == "succeeded", jobs["probe-ok"]
        assert jobs["probe-broken"].last_status == "failed", jobs["probe-broken"]
        assert "division by zero" in (jobs["probe-broken"].last_message or "")
    finally:
        db.execute("select cron.unschedule('probe-ok')")
        db.execute("select cron.unschedule('probe-broken')")
