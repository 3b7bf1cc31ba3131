"""API keys and token signing: the configured keys work on the target, user tokens verify.

Supabase projects carry legacy keys (anon/service_role JWTs, HS256 with the JWT secret), the
current keys (sb_publishable_/sb_secret_, user tokens signed ES256/RS256 with a kid published
in the JWKS), or both while they move. A key revoked or rotated at the move, legacy keys
disabled under an app that still ships them, or a JWKS nobody serves, each breaks the app.
"""

from __future__ import annotations

import warnings
from typing import Any

import httpx
import pytest

from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.foundations import Foundation
from postmigration.keys import api_headers
from postmigration.redact import excerpt
from postmigration.signing import old_sessions_survive

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("api-keys")]

LEGACY = ("anon_key", "service_role_key")


def _answer(http: httpx.Client, target: Target, key: str, server: bool) -> httpx.Response:
    """A read-only call each kind of key may make: Auth's settings, or its admin user list."""
    path = "/auth/v1/admin/users?page=1&per_page=1" if server else "/auth/v1/settings"
    return http.get(f"{target.supabase_url}{path}", headers=api_headers(key))


def _refusal(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return excerpt(response.text, 120)
    if isinstance(body, dict):
        return excerpt(
            str(body.get("message") or body.get("msg") or body.get("error") or body), 160
        )
    return excerpt(str(body), 160)


def test_the_configured_keys_are_accepted(
    http: httpx.Client, target: Target, evidence: Evidence
) -> None:
    """Each configured key is accepted for what it is for: the public key (publishable or
    anon) reads Auth's settings, the server key (secret or service_role) lists one user through
    Auth's admin API. With both kinds configured, the legacy keys must still work; disabled, they
    are a warning, or a failure when the config says the app still ships them."""
    keys = {
        setting: getattr(target, setting)
        for setting in ("publishable_key", "secret_key", *LEGACY)
        if getattr(target, setting)
    }
    problems: list[str] = []
    disabled: list[str] = []
    for setting, key in keys.items():
        server = setting in ("secret_key", "service_role_key")
        response = _answer(http, target, key, server)
        evidence.text(f"{setting}", f"{response.request.url.path} → {response.status_code}")
        if response.status_code == 200:
            continue
        why = _refusal(response)
        if target.key_kind == "both" and setting in LEGACY and "disabled" in why.lower():
            disabled.append(setting)
            continue
        problems.append(
            f"{target.name} refuses the configured {setting} ({response.status_code}: {why}):"
            f" was it revoked or rotated? set {target.env_name(setting)} to a current key"
        )
    if disabled:
        words = (
            f"{target.name} has its legacy API keys disabled ({', '.join(disabled)}): "
            "clients still built with the anon or service_role key stop working"
        )
        if target.app_ships_legacy_keys:
            problems.append(f"{words}, and the config says the app still ships them")
        else:
            evidence.text("warning", words)
            warnings.warn(words, UserWarning, stacklevel=1)
    fail_on(problems, "an API key does not work")


def test_user_tokens_verify_against_the_signing_keys(
    http: httpx.Client,
    target: Target,
    comparison_target: Target | None,
    accounts: Accounts,
    auth_foundation: Foundation,
    evidence: Evidence,
) -> None:
    """The auth foundation signed the `user` account in at session start and verified its fresh
    token: ES256/RS256 against the key its kid names in the target's JWKS (the algorithm the
    key says), HS256 by Auth accepting it; what it found wrong fails here. With --compare-to, a
    token issued by the old project is shown to the new one: refused means every existing
    session ends at cutover (a warning, users sign in again)."""
    account = accounts["user"]
    evidence.text("signing (auth foundation)", auth_foundation.detail)
    fail_on(
        [auth_foundation.problem] if auth_foundation.problem else [],
        f"user tokens issued by {target.name} do not verify",
    )
    if comparison_target is None:
        return
    survives = old_sessions_survive(http, comparison_target, target, account)
    evidence.text("old sessions on the new project", survives.summary)
    if survives.warning:
        evidence.text("warning", survives.warning)
        warnings.warn(survives.warning, UserWarning, stacklevel=1)
