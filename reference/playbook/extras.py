"""What the project carries besides rows, moved the way Supabase's guide says.

- Vault: each of old's secrets is read decrypted on old and created on new with
  `vault.create_secret` (copied ciphertext would not decrypt under new's key); a value naming
  old's origin or old's server key gets new's.
- Scheduled jobs: each of old's pg_cron jobs is scheduled again on new (`cron.schedule`), its
  command's old origin rewritten to new's.
- Webhooks: the triggers calling `supabase_functions.http_request` came with the dump still
  naming old's URL and key; each is re-created with new's.
- Realtime: the tables old's `supabase_realtime` publishes are added to new's.
- Role settings: what old sets on the roles the API runs as (`alter role … set`, such as a
  migration's statement_timeout) is set on new's: roles belong to the server, so no dump of
  the database carries them.
- Auth settings (outside the database): providers, sign-ups, autoconfirm and the redirect
  URL allow-list are copied from old's project to new's, old's origin rewritten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from reference.stack.project_setup import read_auth_settings, write_auth_settings

from .faults import Fault

WEBHOOKS_SQL = """
    select t.tgname, format('%I.%I', n.nspname, c.relname), pg_get_triggerdef(t.oid)
    from pg_trigger t
    join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
    where not t.tgisinternal and pn.nspname = 'supabase_functions' and p.proname = 'http_request'
    order by 2, 1
"""
PUBLICATION = "supabase_realtime"


def server_key(target: Mapping[str, Any]) -> str:
    """The key a project's jobs and webhooks call with (as the stand-in's project setup stores
    it): the legacy service_role key while the project has it, else the secret key."""
    return str(target.get("service_role_key") or target["secret_key"])


@dataclass(frozen=True)
class Rewrite:
    """Old's origin and server key, and what they become on new."""

    old_origin: str
    new_origin: str
    old_key: str
    new_key: str

    def __call__(self, text: str) -> str:
        """`text` with old's origin and key replaced by new's."""
        return text.replace(self.old_origin.rstrip("/"), self.new_origin.rstrip("/")).replace(
            self.old_key, self.new_key
        )


def copy_vault(
    old: psycopg.Connection, new: psycopg.Connection, rewrite: Rewrite, fault: Fault
) -> str:
    """Old's Vault secrets created (or updated) on new, decrypted on old, re-encrypted on new."""
    rows = old.execute(
        "select name, description, secret, decrypted_secret from vault.decrypted_secrets"
        " where name is not null order by name"
    ).fetchall()
    copied = []
    for name, description, cipher, plain in rows:
        if not fault.vault_secret_copied(name):
            continue
        new.execute("delete from vault.secrets where name = %s", (name,))
        if fault.vault_copied_as_ciphertext():
            new.execute(
                "insert into vault.secrets (name, description, secret) values (%s, %s, %s)",
                (name, description, cipher),
            )
        else:
            value = rewrite(plain) if fault.vault_value_rewritten(name) else plain
            new.execute("select vault.create_secret(%s, %s, %s)", (value, name, description))
        copied.append(name)
    return f"Vault {len(copied)} of {len(rows)} secrets"


def recreate_jobs(
    old: psycopg.Connection, new: psycopg.Connection, rewrite: Rewrite, fault: Fault
) -> str:
    """Old's pg_cron jobs scheduled again on new (same name, schedule, command), active as on old."""
    if not old.execute("select 1 from pg_extension where extname = 'pg_cron'").fetchone():
        return "no scheduled jobs on old"
    jobs = old.execute(
        "select jobname, schedule, command, active from cron.job order by jobid"
    ).fetchall()
    made = 0
    for name, schedule, command, active in jobs:
        if not fault.cron_job_recreated(name):
            continue
        row = new.execute(
            "select cron.schedule(%s, %s, %s)", (name, schedule, rewrite(command))
        ).fetchone()
        still_active = active and fault.cron_job_active(name)
        if row and not still_active:
            new.execute("select cron.alter_job(%s, active := false)", (row[0],))
        made += 1
    return f"{made} of {len(jobs)} cron jobs"


def recreate_webhooks(new: psycopg.Connection, rewrite: Rewrite, fault: Fault) -> str:
    """The webhooks restored from old's dump re-created on new, calling new's URL with new's key."""
    hooks = new.execute(WEBHOOKS_SQL).fetchall()
    if not fault.webhooks_rewritten():
        return f"{len(hooks)} webhooks left as restored"
    if not fault.webhook_key_rewritten():
        rewrite = replace(rewrite, new_key=rewrite.old_key)  # the URL moved, old's key kept
    for name, table, definition in hooks:
        new.execute(sql.SQL("drop trigger {} on {}").format(sql.Identifier(name), sql.SQL(table)))
        new.execute(rewrite(definition).encode())
    return f"{len(hooks)} webhooks"


def reenable_publication(old: psycopg.Connection, new: psycopg.Connection, fault: Fault) -> str:
    """The tables old's supabase_realtime publishes, published by new's too."""
    tables = old.execute(
        "select format('%%I.%%I', schemaname, tablename) from pg_publication_tables"
        " where pubname = %s order by 1",
        (PUBLICATION,),
    ).fetchall()
    if not fault.publication_reenabled():
        return f"realtime: {PUBLICATION} left as restored"
    have = {
        r[0]
        for r in new.execute(
            "select format('%%I.%%I', schemaname, tablename) from pg_publication_tables"
            " where pubname = %s",
            (PUBLICATION,),
        ).fetchall()
    }
    for (table,) in tables:
        if table not in have:
            new.execute(
                sql.SQL("alter publication {} add table {}").format(
                    sql.Identifier(PUBLICATION), sql.SQL(table)
                )
            )
    return f"realtime: {len(tables)} tables published"


# The roles the API runs as (PostgREST logs in as authenticator and switches to the others).
API_ROLES = ("anon", "authenticated", "service_role", "authenticator")
_ROLE_SETTINGS = (
    "select r.rolname, s.setdatabase <> 0, unnest(s.setconfig) from pg_db_role_setting s"
    " join pg_roles r on r.oid = s.setrole where r.rolname = any(%s)"
    " and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))"
)


def _role_settings(conn: psycopg.Connection) -> dict[tuple[str, bool, str], str]:
    found: dict[tuple[str, bool, str], str] = {}
    for role, here, entry in conn.execute(_ROLE_SETTINGS, (list(API_ROLES),)).fetchall():
        name, _, value = str(entry).partition("=")
        found[(str(role), bool(here), name)] = value
    return found


def carry_role_settings(old: psycopg.Connection, new: psycopg.Connection, fault: Fault) -> str:
    """Each setting old gives an API role (in every database, or in this one), given the same
    value on new's role. A list setting (search_path) would be set as one string: the app sets
    none on its roles."""
    wanted = _role_settings(old)
    if not fault.role_settings_carried():
        return "role settings: left as new's project has them"
    have = _role_settings(new)
    database = str(new.execute("select current_database()").fetchone()[0])  # type: ignore[index]
    changed = 0
    for (role, here, name), value in sorted(wanted.items()):
        if have.get((role, here, name)) == value:
            continue
        scope = sql.SQL(" in database {}").format(sql.Identifier(database)) if here else sql.SQL("")
        new.execute(
            sql.SQL("alter role {}{} set {} = {}").format(
                sql.Identifier(role), scope, sql.Identifier(name), sql.Literal(value)
            )
        )
        changed += 1
    return f"role settings: {changed} of {len(wanted)} set as on old"


def copy_auth_settings(
    old_dir: Path, new_dir: Path, old_site: str, new_site: str, fault: Fault
) -> str:
    """Old's auth settings saved on new (the dashboard's Auth pages re-entered, SMTP and email
    templates included), old's site rewritten to new's in every URL and template."""
    settings = read_auth_settings(old_dir, old_site)
    old_prefix, new_prefix = old_site.rstrip("/"), new_site.rstrip("/")
    settings = {
        k: v.replace(old_prefix, new_prefix) if isinstance(v, str) else v
        for k, v in settings.items()
    }
    settings["site_url"] = new_site
    settings["uri_allow_list"] = [
        u.replace(old_prefix, new_prefix) for u in settings["uri_allow_list"]
    ]
    write_auth_settings(new_dir, fault.auth_settings(settings))
    return "auth settings"


def carry_extras(
    old_url: str,
    new_url: str,
    rewrite: Rewrite,
    state_dirs: tuple[Path, Path],
    sites: tuple[str, str],
    fault: Fault,
) -> str:
    """Every part above, in one transaction per database; a summary line for the operator."""
    with psycopg.connect(old_url) as old, psycopg.connect(new_url) as new, new.transaction():
        done = [
            copy_vault(old, new, rewrite, fault),
            recreate_jobs(old, new, rewrite, fault),
            recreate_webhooks(new, rewrite, fault),
            reenable_publication(old, new, fault),
            carry_role_settings(old, new, fault),
        ]
    done.append(copy_auth_settings(*state_dirs, *sites, fault))
    return "copied " + "; ".join(done)
