"""What a project's owner sets up in the dashboard, outside the migrations: the Vault secrets
the nightly job reads, the nightly job (pg_cron), the goal_invites webhook, the auth settings.

Also the Vault root key, which Supabase keeps outside the database: the stand-in writes it to
`vault_root.key` in the cluster's data directory, where `vault._root_key()` reads it.
"""

from __future__ import annotations

import json
import os
import secrets as pysecrets
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from .postgres import Cluster, server_user

VAULT_KEY_FILE = "vault_root.key"
AUTH_SETTINGS_FILE = "auth_settings.json"
NIGHTLY_JOB = "nightly-goal-reminders"
NIGHTLY_SCHEDULE = "0 3 * * *"
WEBHOOK_TABLE = "public.goal_invites"
WEBHOOK_NAME = "goal_invites_webhook"
FUNCTION_PATH = "/functions/v1/goal-notifications"
# The app's native callback (the mobile app opens sign-in links there).
APP_DEEP_LINK = "lmsapp://auth/callback"

# The nightly job reads the project URL and the server key from Vault (Supabase's guide for
# calling an edge function from pg_cron), so its command names neither. The key goes in
# `apikey` and as its twin Bearer, which a current secret key needs and a legacy key allows.
NIGHTLY_COMMAND = """select net.http_post(
  url := (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')
         || '/functions/v1/goal-notifications',
  headers := jsonb_build_object(
    'Content-Type', 'application/json',
    'apikey', (select decrypted_secret from vault.decrypted_secrets
               where name = 'service_role_key'),
    'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets
                                   where name = 'service_role_key')),
  body := '{"reminders": "nightly"}'::jsonb
)"""


def new_vault_key() -> str:
    """A fresh per-project Vault root key."""
    return pysecrets.token_hex(32)


def write_vault_key(cluster: Cluster, key: str) -> None:
    """Put the project's Vault root key where its database reads it (mode 600, server's)."""
    path = cluster.data_dir / VAULT_KEY_FILE
    path.write_text(key + "\n")
    path.chmod(0o600)
    user = server_user()
    if user is not None:
        os.chown(path, user.pw_uid, user.pw_gid)


def default_auth_settings(site_url: str) -> dict[str, Any]:
    """A fresh project's auth settings: email sign-in, sign-ups on, no allow-list, access
    tokens valid for an hour (`jwt_exp`, GOTRUE_JWT_EXP)."""
    return {
        "site_url": site_url,
        "jwt_exp": 3600,
        "external": {"email": True, "phone": False, "google": False, "github": False},
        "disable_signup": False,
        "mailer_autoconfirm": True,
        "phone_autoconfirm": False,
        "uri_allow_list": [],
    }


def app_auth_settings(site_url: str) -> dict[str, Any]:
    """The reference app's auth settings: Google and GitHub on, its callbacks allowed, its
    auth emails sent through its own SMTP server (Resend's) with its own magic-link email, and
    its access tokens customized by its hook function (the user_role claim the app reads)."""
    made = default_auth_settings(site_url)
    made["external"].update(google=True, github=True)
    made["uri_allow_list"] = [f"{site_url.rstrip('/')}/**", APP_DEEP_LINK]
    made.update(
        smtp_host="smtp.resend.com",
        smtp_port="465",
        smtp_user="resend",
        smtp_admin_email="no-reply@lms.test",
        smtp_sender_name="LMS",
        mailer_subjects_magic_link="Your LMS sign-in link",
        mailer_templates_magic_link_content=(
            '<h2>Sign in to LMS</h2><p><a href="{{ .ConfirmationURL }}">Sign in</a></p>'
            f'<p>Not you? Ignore this email, or visit <a href="{site_url.rstrip("/")}/">LMS</a>.'
            "</p>"
        ),
        hook_custom_access_token_enabled=True,
        hook_custom_access_token_uri="pg-functions://postgres/public/custom_access_token_hook",
        rate_limit_email_sent=100,
    )
    return made


def read_auth_settings(state_dir: Path, site_url: str) -> dict[str, Any]:
    """The project's auth settings (a fresh project's when none were saved)."""
    path = state_dir / AUTH_SETTINGS_FILE
    if not path.exists():
        return default_auth_settings(site_url)
    return {**default_auth_settings(site_url), **json.loads(path.read_text())}


def write_auth_settings(state_dir: Path, settings: dict[str, Any]) -> None:
    """Save the project's auth settings (what the dashboard's Auth pages would store)."""
    (state_dir / AUTH_SETTINGS_FILE).write_text(json.dumps(settings, indent=2))


def webhook_sql(table: str, name: str, url: str, server_key: str) -> sql.Composed:
    """The trigger the dashboard writes for a webhook calling an edge function."""
    headers = json.dumps(
        {
            "Content-Type": "application/json",
            "apikey": server_key,
            "Authorization": f"Bearer {server_key}",
        }
    )
    return sql.SQL(
        "create trigger {name} after insert on {table} for each row execute function "
        "supabase_functions.http_request({url}, 'POST', {headers}, '{{}}', '5000')"
    ).format(
        name=sql.Identifier(name),
        table=sql.SQL(table),
        url=sql.Literal(url),
        headers=sql.Literal(headers),
    )


def set_up_project(db_url: str, public_url: str, server_key: str) -> None:
    """The dashboard steps of the reference app: Vault secrets, nightly job, webhook, all
    calling with `server_key` (kept in Vault under the name `service_role_key`)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        has_key = conn.execute("select vault._root_key() is not null").fetchone()
        if has_key and has_key[0]:  # a server the stand-in does not run has no Vault key
            conn.execute(
                "select vault.create_secret(%s, 'project_url', 'the project URL for jobs')",
                (public_url,),
            )
            conn.execute(
                "select vault.create_secret(%s, 'service_role_key', 'the key jobs call with')",
                (server_key,),
            )
        if conn.execute("select 1 from pg_extension where extname = 'pg_cron'").fetchone():
            conn.execute(
                "select cron.schedule(%s, %s, %s)", (NIGHTLY_JOB, NIGHTLY_SCHEDULE, NIGHTLY_COMMAND)
            )
        conn.execute(
            webhook_sql(WEBHOOK_TABLE, WEBHOOK_NAME, public_url + FUNCTION_PATH, server_key)
        )
