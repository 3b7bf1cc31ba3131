"""``python -m postmigration check``: is everything the gate needs ready? A dry run in seconds.

It loads the config as the gate does, then asks each target (the target and the comparison)
whether it answers, accepts its keys and lets ``db_url`` in, and signs in each test account.
Nothing is written to a target except the sign-in's own session, which it logs out again.
Every line goes through the run's ``Redactor``: no key or password is ever printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from postmigration.config import Account, Environment, Target, environment_from
from postmigration.db import DatabaseUnreachable, connect, describe
from postmigration.foundations import Foundation, probe_all
from postmigration.function_secrets import listed_secrets
from postmigration.keys import api_headers
from postmigration.management import ManagementUnavailable
from postmigration.no_answer import system_reason
from postmigration.redact import Redactor, excerpt, learn_secret
from postmigration.session import build_run_config, choose_config_file, new_run_id
from postmigration.trust import http_client

__all__ = ["Finding", "account_findings", "run_check", "target_findings"]

_TIMEOUT = httpx.Timeout(8.0, connect=5.0)

# Exit codes: the same meaning as the gate's (0 ready, 1 not ready, 4 a configuration mistake).
READY, NOT_READY, USAGE, CONFIG_MISTAKE = 0, 1, 2, 4


@dataclass(frozen=True)
class Finding:
    """One check's outcome for one setting: ``ok`` False is a problem; a note is neither."""

    ok: bool
    setting: str
    text: str
    note: bool = False

    @property
    def line(self) -> str:
        """How the user reads it: ``ok      …``, ``PROBLEM …`` or ``note    …``."""
        label = "note" if self.note else ("ok" if self.ok else "PROBLEM")
        return f"{label:<8}{self.text}"


def _words(response: httpx.Response) -> tuple[str, str]:
    """The server's error code (GoTrue's ``error_code``) and its message, either may be empty."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return "", excerpt(text.splitlines()[0], 120) if text else ""
    if not isinstance(body, dict):
        return "", ""
    code = body.get("error_code") or body.get("error") or ""
    message = body.get("msg") or body.get("message") or body.get("error_description") or ""
    return str(code), str(message)


def _answer(response: httpx.Response) -> str:
    """``401 Invalid API key``: the status and the server's own words, on one line."""
    code, message = _words(response)
    return " ".join(str(p) for p in (response.status_code, code, message) if p)


def _unreachable_reason(foundation: Foundation) -> str:
    """``GET url: [Errno 111] Connection refused`` -> ``connection refused``."""
    reason = foundation.detail.split(": ", 1)[-1]
    return system_reason(reason)


def _answered(foundation: Foundation) -> str | None:
    """What the probed URL answered (``GET url → 404`` -> ``404``); None when it did not."""
    if "→" not in foundation.detail:
        return None
    return foundation.detail.split("→", 1)[1].strip()


def _no_answer(exc: httpx.HTTPError) -> str:
    """``[Errno 111] Connection refused`` -> ``connection refused``."""
    return system_reason(str(exc) or type(exc).__name__)


def _reachability(target: Target, redactor: Redactor) -> tuple[Finding, Finding | None]:
    """REST answers (the foundations probe), then GoTrue's health."""
    # db_url is left out here: the database gets its own check, with connect()'s clearer reason.
    probes = probe_all(replace(target, db_url=None), None, redactor)
    reachable, auth = probes["reachable"], probes["auth"]
    where = f"target {target.name!r}"
    if not reachable.ok:
        answer = _answered(reachable)
        if answer is not None:
            text = f"{where}: supabase_url {target.supabase_url} does not answer like Supabase (GET /rest/v1/ → {answer})"
        else:
            text = f"{where}: supabase_url {target.supabase_url} unreachable ({_unreachable_reason(reachable)})"
        return Finding(False, "supabase_url", text), None
    first = Finding(True, "supabase_url", f"{where}: {target.supabase_url} answers (GET /rest/v1/)")
    if auth.ok:
        return first, Finding(True, "auth", f"{where}: auth is up (GET /auth/v1/health → 200)")
    answer = _answered(auth) or _unreachable_reason(auth)
    return first, Finding(False, "auth", f"{where}: auth is down (GET /auth/v1/health → {answer})")


def _get(
    client: httpx.Client, url: str, key: str, params: dict[str, int] | None = None
) -> httpx.Response | str:
    """GET ``url`` with ``key``: the response, or why there was none."""
    try:
        return client.get(url, params=params, headers=api_headers(key))
    except httpx.TimeoutException:
        return f"no answer within {_TIMEOUT.read:.0f}s"
    except httpx.HTTPError as exc:
        return _no_answer(exc)


def _accepted(where: str, setting: str, path: str, answer: httpx.Response | str) -> Finding:
    """``setting accepted (GET path → 200)``, else ``was refused`` with the answer it got."""
    if isinstance(answer, httpx.Response) and answer.status_code == 200:
        return Finding(True, setting, f"{where}: {setting} accepted (GET {path} → 200)")
    said = _answer(answer) if isinstance(answer, httpx.Response) else answer
    return Finding(False, setting, f"{where}: {setting} was refused (GET {path} → {said})")


def _keys(target: Target, client: httpx.Client) -> Iterator[Finding]:
    """Each configured public key (anon_key, publishable_key) opens the API and may not list
    users; each configured server key (service_role_key, secret_key) may list users."""
    where, base = f"target {target.name!r}", target.supabase_url
    settings, users, one = "/auth/v1/settings", "/auth/v1/admin/users", {"per_page": 1}
    for setting in ("anon_key", "publishable_key"):
        key = getattr(target, setting)
        if not key:
            continue
        yield _accepted(where, setting, settings, _get(client, base + settings, key))
        # A server key given as the public one would make every "a visitor sees nothing" check lie.
        as_public = _get(client, base + users, key, one)
        if isinstance(as_public, httpx.Response) and as_public.status_code == 200:
            yield Finding(
                False,
                setting,
                f"{where}: {setting} may list users (GET {users} → 200): "
                "it is a server key; set the project's public key there",
            )
    for setting in ("service_role_key", "secret_key"):
        key = getattr(target, setting)
        if key:
            yield _accepted(where, setting, users, _get(client, base + users, key, one))


def _database(target: Target) -> Finding:
    where = f"target {target.name!r}"
    if not target.db_url:
        return Finding(
            True,
            "db_url",
            f"{where}: no db_url, so the database checks will be NOT VERIFIED "
            f"(set {target.env_name('db_url')})",
            note=True,
        )
    try:
        with connect(target.db_url, timeout_s=5) as conn:
            conn.execute("select 1")
    except DatabaseUnreachable as exc:
        return Finding(False, "db_url", f"{where}: db_url: {exc}")
    return Finding(
        True, "db_url", f"{where}: database answers select 1 ({describe(target.db_url)})"
    )


def _secrets_listing(target: Target, client: httpx.Client) -> Finding:
    where = f"target {target.name!r}"
    if not target.management_token:
        return Finding(
            True,
            "management_token",
            f"{where}: no management_token, so function-secrets and auth-config will be "
            "NOT VERIFIED "
            f"(set {target.env_name('management_token')})",
            note=True,
        )
    try:
        listed = listed_secrets(client, target)
    except ManagementUnavailable as exc:
        return Finding(False, "management_token", f"{where}: {exc}")
    return Finding(
        True,
        "management_token",
        f"{where}: the Management API lists {len(listed.digests)} function secret(s) of "
        f"project {listed.ref}",
    )


def target_findings(target: Target, redactor: Redactor) -> Iterator[Finding]:
    """Reachable, auth up, each configured key accepted, the database reached, the functions'
    secrets listed: one finding each.

    What stands on a failed check (the keys on auth, everything HTTP on the URL) is not tried.
    """
    reachable, auth = _reachability(target, redactor)
    yield reachable
    if auth is not None:
        yield auth
    with http_client(timeout=_TIMEOUT) as client:
        if auth is not None and auth.ok:  # the keys are asked of auth: down, it only repeats it
            yield from _keys(target, client)
        yield _database(target)
        yield _secrets_listing(target, client)


def _sign_in(client: httpx.Client, target: Target, account: Account) -> Finding:
    where = f"account {account.role!r} ({account.email})"
    try:
        response = client.post(
            f"{target.supabase_url}/auth/v1/token?grant_type=password",
            headers=api_headers(target.public_key),
            json={"email": account.email, "password": account.password},
        )
    except httpx.HTTPError as exc:
        return Finding(False, "accounts", f"{where}: sign-in not answered ({_no_answer(exc)})")
    if response.status_code != 200:
        code, message = _words(response)
        return Finding(
            False,
            "accounts",
            f"{where}: sign-in refused: {code or response.status_code} "
            f"(POST /auth/v1/token → {response.status_code} {message})".rstrip(),
        )
    session = response.json()
    learn_secret(session.get("refresh_token"))
    access = session.get("access_token", "")
    learn_secret(access)
    # End the session it opened: check leaves nothing behind on the target.
    client.post(
        f"{target.supabase_url}/auth/v1/logout?scope=local",
        headers=api_headers(target.public_key, access),
    )
    return Finding(True, "accounts", f"{where}: signs in on {target.name!r}")


def account_findings(target: Target, accounts: dict[str, Account]) -> Iterator[Finding]:
    """Each configured test account signs in on ``target`` with its password."""
    if not accounts:
        yield Finding(
            True,
            "accounts",
            "no [accounts]: sign-in and per-role checks will be NOT VERIFIED",
            note=True,
        )
        return
    with http_client(timeout=_TIMEOUT) as client:
        for account in accounts.values():
            yield _sign_in(client, target, account)


def run_check(
    *,
    target_name: str,
    pm_config: str | None,
    compare_to: str | None,
    cwd: Path,
    root: Path,
    say: Callable[[str], None],
    env: Environment | None = None,
) -> int:
    """Run every readiness check, print one line each; the exit code says ready (0) or not (1).

    Configuration mistakes raise ConfigError, as they do for the gate.
    """
    started = time.monotonic()
    config_file = choose_config_file(pm_config, cwd, root)
    run = build_run_config(
        target_name=target_name,
        config_file=config_file,
        env=env or environment_from(cwd),
        cwd=cwd,
        root=root,
        compare_to=compare_to,
        run_id=new_run_id(),
        report_dir="reports",
        dump=None,
    )
    redactor = run.redactor
    names = ", ".join(t.name for t in (run.target, run.comparison_target) if t is not None)
    accounts = {role: run.accounts[role] for role in run.accounts}
    findings = [
        Finding(
            True,
            "config",
            f"config {config_file.label} loads: target(s) {names}, {len(accounts)} account(s)",
        )
    ]
    say(findings[0].line)

    def report(finding: Finding) -> None:
        findings.append(finding)
        say(redactor.scrub(finding.line))

    # A test account signs in only where the URL answers, auth is up and the public key the
    # sign-in sends (the publishable key, else the legacy anon key) is accepted.
    public = "publishable_key" if run.target.publishable_key else "anon_key"
    blocking: list[str] = []
    for finding in target_findings(run.target, redactor):
        report(finding)
        if not finding.ok and finding.setting in ("supabase_url", "auth", public):
            blocking.append(finding.setting)
    if run.comparison_target is not None:
        for finding in target_findings(run.comparison_target, redactor):
            report(finding)
    if blocking:  # one cause, one line: the accounts' sign-ins would only repeat it
        say(f"note    accounts not tried: fix {blocking[0]} of target {run.target.name!r} first")
    else:
        for finding in account_findings(run.target, accounts):
            report(finding)
    problems = sum(1 for f in findings if not f.ok)
    took = time.monotonic() - started
    if problems:
        say(f"not ready: {problems} problem(s) in {took:.1f}s; fix them, then run check again")
        return NOT_READY
    say(
        f"ready: {sum(1 for f in findings if not f.note)} checks in {took:.1f}s; next: pytest -m postmigration --target={run.target.name}"
    )
    return READY
