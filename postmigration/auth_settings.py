"""Auth settings, which live in the Auth service and not in the database: what `GET
/auth/v1/settings` says on each side (or, without old, what the app's supabase/config.toml
declares: see supabase_config.py), and where a sign-in link's `redirect_to` really lands.

The redirect probe asks new's `/auth/v1/verify` with a token that cannot exist and the
app's callback as `redirect_to`: GoTrue answers with a redirect to that callback when the
project allows it, and to the Site URL when it does not (silently, as in a real sign-in).
Nothing is written and no email is sent.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urljoin

import httpx

from postmigration.config import Target
from postmigration.links import shown
from postmigration.supabase_config import DeclaredAuthSettings
from postmigration.trust import trust

# The settings a release manager would call the project's auth configuration.
COMPARED = ("disable_signup", "mailer_autoconfirm", "phone_autoconfirm", "sms_provider")
TIMEOUT_S = 15.0


def fetch_settings(target: Target) -> dict[str, Any]:
    """`GET /auth/v1/settings` of `target` (with its public key)."""
    answer = httpx.get(
        f"{target.supabase_url.rstrip('/')}/auth/v1/settings",
        headers={"apikey": target.public_key},
        timeout=TIMEOUT_S,
        verify=trust(),
    )
    answer.raise_for_status()
    found = answer.json()
    return found if isinstance(found, dict) else {}


def settings_differences(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[str]:
    """Providers enabled, sign-ups, autoconfirm and SMS settings that differ, in words."""
    problems = []
    old_ext, new_ext = old.get("external") or {}, new.get("external") or {}
    for provider in sorted(set(old_ext) | set(new_ext)):
        was, now = bool(old_ext.get(provider)), bool(new_ext.get(provider))
        if was != now:
            problems.append(
                f"auth provider {provider} is {_state(now)} on new ({_state(was)} on old)"
            )
    for key in COMPARED:
        if old.get(key) != new.get(key):
            problems.append(
                f"auth setting {key} is {new.get(key)!r} on new, {old.get(key)!r} on old"
            )
    return problems


def redirect_targets(target: Target, callbacks: Iterable[str]) -> list[str]:
    """The app's callbacks as absolute URLs (paths are taken on the target's site)."""
    site = (target.site_url or target.supabase_url).rstrip("/") + "/"
    return [c if "://" in c else urljoin(site, c.lstrip("/")) for c in callbacks]


def redirect_landing(target: Target, callback: str) -> str | None:
    """Where new sends a sign-in link that asks for `callback` (its Location, fragment cut)."""
    query = urlencode(
        {"type": "magiclink", "token": secrets.token_hex(16), "redirect_to": callback}
    )
    answer = httpx.get(
        f"{target.supabase_url.rstrip('/')}/auth/v1/verify?{query}",
        headers={"apikey": target.public_key},
        timeout=TIMEOUT_S,
        follow_redirects=False,
        verify=trust(),
    )
    location = answer.headers.get("location")
    return location.partition("#")[0] if location else None


def redirect_problems(target: Target, callbacks: Iterable[str]) -> list[str]:
    """Each callback a sign-in link asks for must be where the link lands on `target`."""
    problems = []
    for callback in redirect_targets(target, callbacks):
        landed = redirect_landing(target, callback)
        if landed is None:
            problems.append(f"a sign-in link asking for {callback} was not redirected at all")
        elif landed.rstrip("/") != callback.rstrip("/"):
            problems.append(
                f"a sign-in link asking for {callback} lands at {shown(landed)} (the Site URL "
                "fallback): add it to the redirect URL allow-list"
            )
    return problems


def declared_differences(new: Mapping[str, Any], declared: DeclaredAuthSettings) -> list[str]:
    """Each setting and provider `declared` (the app's supabase/config.toml) sets that new's
    `GET /auth/v1/settings` answers otherwise, in words naming the file's key."""
    problems = []
    external = new.get("external") or {}
    for provider, want in declared.providers.items():
        now = bool(external.get(provider))
        if now != want.value:
            problems.append(
                f"auth provider {provider} is {_state(now)} on new, {_state(want.value)} in "
                f"{declared.source} ({want.said_by})"
            )
    for key, want in declared.settings.items():
        now = new.get(key)
        if now != want.value:
            problems.append(
                f"auth setting {key} is {json.dumps(now)} on new, {json.dumps(want.value)} by "
                f"{declared.source} ({want.said_by})"
            )
    return problems


def _state(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"
