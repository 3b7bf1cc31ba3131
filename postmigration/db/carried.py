"""What a project carries besides rows, read from its database: pg_cron jobs, Vault secrets,
database webhooks and the realtime publication.

The readers of pg_cron jobs, Vault secrets and a publication return None when the project does
not have the feature at all (no pg_cron, no Vault, no such publication), so "not used by this
project" is told apart from "lost on the way". Nothing
here returns a secret's value or a webhook's headers (they carry keys): only names, URLs and
yes/no answers computed inside the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import psycopg

from postmigration.links import shown
from postmigration.origins import origin_of
from postmigration.redact import excerpt, hide_token_like

from .extensions import installed_extensions
from .schema import FIRING
from .tables import relation_exists

REALTIME_PUBLICATION = "supabase_realtime"
# A URL's scheme and host (and port): a project's own origin, in a job's command or a
# webhook's URL.
_ORIGIN = re.compile(r"\bhttps?://[^/\s'\"]+", re.IGNORECASE)
# A command holding one of these paths calls a Supabase project's API: the URL it reads from
# Vault is meant to be its own project's.
_PROJECT_API_PATHS = ("/functions/v1/", "/rest/v1/", "/storage/v1/", "/auth/v1/")


@dataclass(frozen=True)
class CronJob:
    """One pg_cron job as `cron.job` holds it, with its last run (None when it never ran)."""

    name: str
    schedule: str
    command: str
    active: bool
    last_status: str | None = None
    last_message: str | None = None


@dataclass(frozen=True)
class Webhook:
    """A database webhook: a trigger calling supabase_functions.http_request, its URL, when it
    fires (pg_trigger.tgenabled: O, D, R or A), its method, the names of its headers (lower
    case; their values, which carry keys, never leave the database), whether it sends query
    params, and its timeout in ms."""

    key: str  # "<trigger> on <schema.table>"
    url: str
    firing: str
    method: str = "POST"
    headers: tuple[str, ...] = ()
    params: str = "{}"
    timeout_ms: str = ""

    @property
    def enabled(self) -> bool:
        """Whether the app's writes fire it: enabled, or enabled always. A trigger enabled
        only for replication (ENABLE REPLICA) fires for a replication session alone."""
        return self.firing in ("O", "A")


def cron_jobs(conn: psycopg.Connection) -> dict[str, CronJob] | None:
    """The project's pg_cron jobs by name (jobid when unnamed); None when pg_cron is not installed."""
    if "pg_cron" not in installed_extensions(conn):
        return None
    rows = conn.execute(
        """
        select coalesce(j.jobname, 'job ' || j.jobid), j.schedule, j.command, j.active,
               r.status, r.return_message
        from cron.job j
        left join lateral (
          select status, return_message from cron.job_run_details d
          where d.jobid = j.jobid and d.status in ('succeeded', 'failed')
          order by d.start_time desc nulls last limit 1
        ) r on true
        """
    ).fetchall()
    return {row[0]: CronJob(*row) for row in rows}


def _moved(text: str, moves: Iterable[tuple[str, str]]) -> str:
    for before, after in moves:
        text = text.replace(before.rstrip("/"), after.rstrip("/"))
    return text


def _names_old(text: str, olds: Iterable[str]) -> str | None:
    lowered = text.lower()
    return next((old for old in olds if old and old.lower() in lowered), None)


def cron_problems(
    new: Mapping[str, CronJob] | None,
    old: Mapping[str, CronJob],
    moves: Iterable[tuple[str, str]],
    olds: Iterable[str],
    via_vault: Iterable[tuple[str, str]] = (),
    old_keys_in_vault: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """Each of old's jobs must be on new, same schedule, same command (old's origin moved to
    new's), active when it was active on old, its last run (if any) succeeded; no command on
    new may name an old origin, itself or through a Vault secret it reads (`via_vault`: the
    (secret, old origin) pairs of vault_naming_old), nor send one of old's API keys through a
    Vault secret it reads (`old_keys_in_vault`: vault_holding's pairs for old's keys)."""
    moves = list(moves)
    if new is None:
        return [f"pg_cron is not installed on new: old's {len(old)} job(s) do not run"]
    problems = []
    for name, job in old.items():
        mine = new.get(name)
        if mine is None:
            problems.append(f'cron job "{name}" ({job.schedule}) is not scheduled on new')
            continue
        if mine.schedule != job.schedule:
            problems.append(
                f'cron job "{name}" runs at "{mine.schedule}" on new but "{job.schedule}" on old'
            )
        if mine.command.strip() != _moved(job.command, moves).strip():
            problems.append(f'cron job "{name}" runs a different command on new than on old')
        if job.active and not mine.active:
            problems.append(f'cron job "{name}" is inactive on new (active on old)')
        problems += _failed_last_run(name, mine)
    return problems + _calls_from_new(new, olds, via_vault, old_keys_in_vault)


def _failed_last_run(name: str, job: CronJob) -> list[str]:
    """The job's last run on new, when it failed, with the start of its message (keys hidden)."""
    if job.last_status != "failed":
        return []
    said = " ".join((job.last_message or "").strip().splitlines()[:1])
    message = excerpt(hide_token_like(" ".join(said.split())), 200)
    return [f'cron job "{name}" failed its last run on new: {message}']


def _calls_from_new(
    new: Mapping[str, CronJob],
    olds: Iterable[str],
    via_vault: Iterable[tuple[str, str]],
    old_keys_in_vault: Iterable[tuple[str, str]],
) -> list[str]:
    """Jobs on new that call an old origin, in their command or through a Vault secret they
    read, or send one of old's API keys through a Vault secret they read."""
    olds, via_vault, old_keys_in_vault = list(olds), list(via_vault), list(old_keys_in_vault)
    problems = []
    for name, job in new.items():
        stale = _names_old(job.command, olds)
        if stale:
            problems.append(f'cron job "{name}" on new calls old\'s origin {stale}')
        for secret, origin in via_vault:
            if f"'{secret}'" in job.command:
                problems.append(
                    f'cron job "{name}" on new calls old\'s origin {origin} '
                    f"through Vault secret {secret}"
                )
        for secret, key in old_keys_in_vault:
            if f"'{secret}'" in job.command:
                problems.append(
                    f'cron job "{name}" on new sends old\'s {key} (Vault secret {secret}): '
                    "new refuses it, so the job's calls fail"
                )
    return problems


def command_digest(command: str) -> str:
    """A job's command as a snapshot keeps it: whitespace folded, every origin (a project's own
    URL) and every value that looks like a key masked, then digested, so the snapshot of one
    project stands for another's same command and never holds a key."""
    return _digest(hide_token_like(_ORIGIN.sub("<origin>", " ".join(command.split()))))


def _digest(text: str) -> str:
    """A short, stable digest of `text`, as a snapshot keeps what it must not hold."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def kept_cron_jobs(jobs: Mapping[str, CronJob] | None) -> dict[str, dict[str, Any]]:
    """What a snapshot keeps of each job (none without pg_cron): its schedule, whether it is
    active, and its command's digest (:func:`command_digest`)."""
    return {
        name: {
            "schedule": job.schedule,
            "active": job.active,
            "command": command_digest(job.command),
        }
        for name, job in sorted((jobs or {}).items())
    }


def cron_snapshot_problems(
    new: Mapping[str, CronJob] | None,
    kept: Mapping[str, Mapping[str, Any]],
    where: str,
    olds: Iterable[str] = (),
    via_vault: Iterable[tuple[str, str]] = (),
    elsewhere: Iterable[str] = (),
) -> list[str]:
    """Each job `kept` by the snapshot (:func:`kept_cron_jobs`; `where` names it) must be on
    new, same schedule, same command (origins and keys aside), active when it is active there,
    its last run (if any) succeeded; no job on new may call an old origin known to the target
    (`olds`), itself or through a Vault secret it reads (`via_vault`), nor call a project's API
    (a path such as /functions/v1/) through a Vault secret holding a URL on another origin than
    new's (`elsewhere`: :func:`vault_urls_elsewhere`), unless that secret is named old's."""
    if new is None:
        return (
            [f"pg_cron is not installed on new: {where}'s {len(kept)} job(s) do not run"]
            if kept
            else []
        )
    problems = []
    for name, job in sorted(kept.items()):
        mine = new.get(name)
        if mine is None:
            problems.append(
                f'cron job "{name}" ({job["schedule"]}) is not scheduled on new ({where} has it)'
            )
            continue
        if mine.schedule != job["schedule"]:
            problems.append(
                f'cron job "{name}" runs at "{mine.schedule}" on new but "{job["schedule"]}" on {where}'
            )
        if command_digest(mine.command) != job["command"]:
            problems.append(
                f'cron job "{name}" runs a different command on new than on {where} (its URLs and'
                " keys aside)"
            )
        if job["active"] and not mine.active:
            problems.append(f'cron job "{name}" is inactive on new (active on {where})')
        problems += _failed_last_run(name, mine)
    via_vault, elsewhere = list(via_vault), list(elsewhere)
    named_old = {secret for secret, _ in via_vault}
    for name, job in sorted(new.items()):
        if not any(path in job.command for path in _PROJECT_API_PATHS):
            continue
        problems += [
            f'cron job "{name}" on new calls another project than new through Vault secret'
            f" {secret}: the URL it holds is not on new's origin"
            for secret in elsewhere
            if secret not in named_old and f"'{secret}'" in job.command
        ]
    return problems + _calls_from_new(new, olds, via_vault, ())


def vault_secrets(conn: psycopg.Connection) -> dict[str, bool] | None:
    """Each named Vault secret and whether it decrypts here; None when there is no Vault."""
    if not relation_exists(conn, "vault.decrypted_secrets"):
        return None
    rows = conn.execute(
        "select name, decrypted_secret is not null from vault.decrypted_secrets"
        " where name is not null"
    ).fetchall()
    return {name: bool(ok) for name, ok in rows}


def vault_urls_elsewhere(conn: psycopg.Connection, own: Iterable[str]) -> list[str]:
    """The names of the Vault secrets holding a URL whose origin is none of `own` (new's),
    compared inside the database (no value leaves it); none without a Vault."""
    mine = sorted({o.rstrip("/").lower() for o in own if o})
    if not mine or not relation_exists(conn, "vault.decrypted_secrets"):
        return []
    rows = conn.execute(
        "select name from vault.decrypted_secrets where name is not null"
        " and lower(substring(decrypted_secret from '^\\s*(https?://[^/?#\\s]+)')) <> all(%s)"
        " order by 1",
        (mine,),
    ).fetchall()
    return [name for (name,) in rows]


def vault_naming_old(conn: psycopg.Connection, olds: Iterable[str]) -> list[tuple[str, str]]:
    """(secret name, old origin) for each decrypted Vault value that names an old origin, in
    any case (matched inside the database: the values never leave it); none without a Vault."""
    return vault_holding(conn, {o: o for o in olds}, ignore_case=True)


def vault_holding(
    conn: psycopg.Connection, found: Mapping[str, str], ignore_case: bool = False
) -> list[tuple[str, str]]:
    """(secret name, label) for each decrypted Vault value that holds one of the values of
    `found` (label -> value, e.g. a key's setting name -> old's key), matched inside the
    database: the values never leave it, and what they hold is only named. None without a
    Vault."""
    labels_values = _labels_and_values(found)
    if not labels_values[0] or not relation_exists(conn, "vault.decrypted_secrets"):
        return []
    fold = "lower" if ignore_case else ""
    rows = conn.execute(
        "select s.name, k.label from vault.decrypted_secrets s,"
        " unnest(%s::text[], %s::text[]) k(label, value)"
        f" where s.name is not null and strpos({fold}(s.decrypted_secret), {fold}(k.value)) > 0"
        " order by 1, 2",
        labels_values,
    ).fetchall()
    return [(secret, label) for secret, label in rows]


def _labels_and_values(found: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The labels and their non-empty values, as two arrays for `unnest(labels, values)`."""
    given = [(label, value) for label, value in found.items() if value]
    return [label for label, _ in given], [value for _, value in given]


def vault_problems(
    new: Mapping[str, bool] | None,
    old: Mapping[str, bool],
    naming_old: Iterable[tuple[str, str]],
    holding_old_keys: Iterable[tuple[str, str]] = (),
    where: str = "old",
) -> list[str]:
    """Each of old's secret names (or a snapshot's: `where` names it) on new and decrypting
    there; no value naming old's origin or holding one of old's API keys (`holding_old_keys`:
    vault_holding's pairs)."""
    if new is None:
        return [f"Vault is not set up on new: {where}'s {len(old)} secret(s) are missing"]
    problems = []
    for name in sorted(old):
        if name not in new:
            problems.append(f"Vault secret {name} is missing on new")
        elif not new[name]:
            problems.append(
                f"Vault secret {name} does not decrypt on new (copied as ciphertext from old? "
                "re-create it with vault.create_secret)"
            )
    problems += [f"Vault secret {name} on new names old's origin {o}" for name, o in naming_old]
    problems += [
        f"Vault secret {name} on new holds old's {key}: what reads it (a cron job, a webhook) "
        "calls new with a key new refuses"
        for name, key in holding_old_keys
    ]
    return problems


# The database webhooks: triggers calling supabase_functions.http_request, each with its key
# ("name on schema.table"), its arguments as text (URL first, then method, headers...) and
# when it fires.
_WEBHOOK_TRIGGERS = r"""
    select format('%I on %I.%I', t.tgname, n.nspname, c.relname) as key,
           encode(t.tgargs, 'escape') as args, t.tgenabled::text as firing
    from pg_trigger t
    join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_proc p on p.oid = t.tgfoid join pg_namespace pn on pn.oid = p.pronamespace
    where not t.tgisinternal and pn.nspname = 'supabase_functions'
      and p.proname = 'http_request'
"""


# A webhook's arguments: its URL, method, headers, params and timeout, in that order. Only the
# names of the headers are read (the keys of its JSON object: a string followed by a colon).
_WEBHOOK_ARGUMENTS = (
    r"""
    select w.key, split_part(w.args, '\000', 1), w.firing, split_part(w.args, '\000', 2),
           array(select distinct lower(m[1]) from regexp_matches(
                     split_part(w.args, '\000', 3), '"((?:[^"\\]|\\.)*)"\s*:', 'g') m
                 order by 1),
           split_part(w.args, '\000', 4), split_part(w.args, '\000', 5)
    from ("""
    + _WEBHOOK_TRIGGERS
    + ") w"
)


def webhooks(conn: psycopg.Connection) -> dict[str, Webhook]:
    """The database webhooks (triggers calling supabase_functions.http_request): URL, firing,
    method, header names, params and timeout (no header's value)."""
    return {
        key: Webhook(key, url, str(firing), method, tuple(headers), params, timeout)
        for key, url, firing, method, headers, params, timeout in conn.execute(
            _WEBHOOK_ARGUMENTS
        ).fetchall()
    }


def webhooks_holding(conn: psycopg.Connection, keys: Mapping[str, str]) -> list[tuple[str, str]]:
    """(webhook, key's setting name) for each webhook whose trigger arguments (its headers
    among them) hold one of `keys`, matched inside the database: the headers never leave it."""
    labels_values = _labels_and_values(keys)
    if not labels_values[0]:
        return []
    rows = conn.execute(
        "select w.key, k.label from (" + _WEBHOOK_TRIGGERS.replace("%", "%%") + ") w,"
        " unnest(%s::text[], %s::text[]) k(label, value)"
        " where strpos(w.args, k.value) > 0 order by 1, 2",
        labels_values,
    ).fetchall()
    return [(hook, key) for hook, key in rows]


def webhook_problems(
    new: Mapping[str, Webhook],
    old: Mapping[str, Webhook],
    moves: Iterable[tuple[str, str]],
    olds: Iterable[str],
    holding_old_keys: Iterable[tuple[str, str]] = (),
) -> list[str]:
    """Each of old's webhooks on new, enabled, calling old's URL moved to new's origin; none
    on new calling an old origin, nor sending one of old's API keys (`holding_old_keys`:
    webhooks_holding's pairs for old's keys)."""
    moves, olds = list(moves), list(olds)
    problems = []
    for key in old:
        mine = new.get(key)
        problems += _missing_or_off(key, mine)
        if mine is None:
            continue
        problems += _call_differences(mine, old[key])
    for key, hook in new.items():
        stale = _names_old(hook.url, olds)
        if stale:
            problems.append(f"webhook {key} on new still calls old: {origin_of(hook.url)}")
        elif key in old and hook.url != (expected := _moved(old[key].url, moves)):
            # Shown without query values (a shared secret often rides there): say when only
            # those differ.
            called, wanted = shown(hook.url), shown(expected)
            which = " (the values of their query strings differ)" if called == wanted else ""
            problems.append(f"webhook {key} calls {called} on new, expected {wanted}{which}")
    problems += [
        f"webhook {hook} on new sends old's {key} in its headers: new refuses it, so its calls fail"
        for hook, key in holding_old_keys
    ]
    return problems


def _missing_or_off(key: str, mine: Webhook | None, missing_suffix: str = "") -> list[str]:
    """New's webhook `key` missing, or not fired by the app's writes."""
    if mine is None:
        return [f"webhook {key} is missing on new{missing_suffix}"]
    if mine.enabled:
        return []
    how = FIRING.get(mine.firing, mine.firing)
    return [f"webhook {key} is {how} on new: the app's writes do not call it"]


def _kept_url(url: str) -> str:
    """A webhook's URL as a snapshot keeps it: its origin masked (each project's own) and its
    query values left out (a shared secret often rides there)."""
    return _ORIGIN.sub("<origin>", shown(url), count=1)


def kept_webhooks(hooks: Mapping[str, Webhook]) -> dict[str, dict[str, Any]]:
    """What a snapshot keeps of each webhook: its URL (:func:`_kept_url`), when it fires, its
    method, its headers' names, a digest of its query params, and its timeout; no header's
    value, no query value."""
    return {
        key: {
            "url": _kept_url(hook.url),
            "firing": hook.firing,
            "method": hook.method,
            "headers": list(hook.headers),
            "params": _digest(hook.params),
            "timeout_ms": hook.timeout_ms,
        }
        for key, hook in sorted(hooks.items())
    }


def webhook_snapshot_problems(
    new: Mapping[str, Webhook],
    kept: Mapping[str, Mapping[str, Any]],
    where: str,
    own: Iterable[str],
    olds: Iterable[str] = (),
) -> list[str]:
    """Each webhook `kept` by the snapshot (:func:`kept_webhooks`; `where` names it) on new,
    enabled, calling the same path the same way (method, headers by name, params, timeout);
    and on new alone: no webhook calls an old origin the target names (`olds`), nor a project's
    API (a path such as /functions/v1/) on another origin than new's (`own`)."""
    mine_origins, olds = {o.rstrip("/").lower() for o in own}, list(olds)
    problems = []
    for key, hook in sorted(kept.items()):
        mine = new.get(key)
        problems += _missing_or_off(key, mine, f" ({where} has it)")
        if mine is None:
            continue
        if _kept_url(mine.url) != hook["url"]:
            problems.append(
                f"webhook {key} calls {_kept_url(mine.url)} on new, {where} has {hook['url']}"
            )
        as_kept = Webhook(
            key,
            hook["url"],
            hook["firing"],
            hook["method"],
            tuple(hook["headers"]),
            hook["params"],
            hook["timeout_ms"],
        )
        # params compared as the snapshot keeps them: by digest
        problems += _call_differences(replace(mine, params=_digest(mine.params)), as_kept, where)
    for key, hook in sorted(new.items()):
        origin = origin_of(hook.url)
        if _names_old(hook.url, olds):
            problems.append(f"webhook {key} on new still calls old: {origin}")
        elif origin not in mine_origins and any(p in hook.url for p in _PROJECT_API_PATHS):
            problems.append(f"webhook {key} on new calls another project than new: {origin}")
    return problems


def _call_differences(new: Webhook, old: Webhook, where: str = "old") -> list[str]:
    """How new's webhook calls differently from old's (or a snapshot's: `where` names it):
    method, headers it no longer sends (by name), params, timeout."""
    key = new.key
    problems = []
    if new.method.upper() != old.method.upper():
        problems.append(f"webhook {key} sends {new.method} on new, {old.method} on {where}")
    if missing := [h for h in old.headers if h not in new.headers]:
        problems.append(
            f"webhook {key} on new does not send the header(s) {', '.join(missing)} that"
            f" {where} sends: the function gets its calls without them"
        )
    if new.params != old.params:
        problems.append(f"webhook {key} sends other query params on new than on {where}")
    if new.timeout_ms != old.timeout_ms:
        problems.append(
            f"webhook {key} waits {new.timeout_ms or '?'} ms on new, "
            f"{old.timeout_ms or '?'} ms on {where}"
        )
    return problems


def published_tables(
    conn: psycopg.Connection, publication: str = REALTIME_PUBLICATION
) -> set[str] | None:
    """The tables `publication` carries; None when the publication does not exist."""
    if not conn.execute(
        "select 1 from pg_publication where pubname = %s", (publication,)
    ).fetchone():
        return None
    rows = conn.execute(
        "select format('%%I.%%I', schemaname, tablename) from pg_publication_tables"
        " where pubname = %s",
        (publication,),
    ).fetchall()
    return {row[0] for row in rows}


def publication_problems(
    new: set[str] | None, old: set[str], publication: str = REALTIME_PUBLICATION
) -> list[str]:
    """Every table old publishes to Realtime, published on new."""
    if new is None:
        return [f"publication {publication} does not exist on new: realtime is off"]
    return [
        f"table {table} is not in publication {publication} on new: realtime changes to it "
        "are not sent"
        for table in sorted(old - new)
    ]
