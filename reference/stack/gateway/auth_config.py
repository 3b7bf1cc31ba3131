"""The project's auth settings as GoTrue serves them, and its redirect URL allow-list.

The settings live in the project's state dir (`auth_settings.json`, see
reference/stack/project_setup.py), like the Auth service's configuration outside the
database; they are read on each request, so a change in the dashboard applies at once.
"""

from __future__ import annotations

import re
from typing import Any

from ..project_setup import read_auth_settings
from ..settings import StackSettings

# Providers GoTrue lists in /settings besides the ones a project turns on.
PROVIDERS = (
    "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma",
    "fly", "github", "gitlab", "google", "keycloak", "kakao", "linkedin", "linkedin_oidc",
    "notion", "spotify", "slack", "slack_oidc", "workos", "twitch", "twitter", "zoom",
)  # fmt: skip


def auth_settings(settings: StackSettings) -> dict[str, Any]:
    """The project's saved auth settings (a fresh project's when none were saved)."""
    return read_auth_settings(settings.state_dir, settings.site_url)


def public_settings(settings: StackSettings) -> dict[str, Any]:
    """GoTrue's `GET /settings` answer for this project."""
    saved = auth_settings(settings)
    external = dict.fromkeys(PROVIDERS, False)
    external.update({k: bool(v) for k, v in saved["external"].items()})
    return {
        "external": external,
        "disable_signup": bool(saved["disable_signup"]),
        "mailer_autoconfirm": bool(saved["mailer_autoconfirm"]),
        "phone_autoconfirm": bool(saved["phone_autoconfirm"]),
        "sms_provider": "",
        "saml_enabled": False,
        "saml_private_key_next_configured": False,
        "passkeys_enabled": False,
    }


def _glob(pattern: str) -> re.Pattern[str]:
    # GoTrue's globs: `**` crosses `.` and `/`, `*` does not, `?` is one character.
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^./]*")
            i += 1
        elif pattern[i] == "?":
            out.append(".")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def on_allow_list(settings: StackSettings, url: str) -> bool:
    """True when `url` matches an entry of the project's redirect URL allow-list."""
    allow = auth_settings(settings).get("uri_allow_list") or []
    return any(url == entry or _glob(entry).fullmatch(url) for entry in allow)
