"""The Auth service's whole configuration, as the Management API gives it
(`GET /v1/projects/{ref}/config/auth`): what `/auth/v1/settings` does not show, and a migration
re-enters by hand in the dashboard: custom SMTP, the email templates, the auth hooks. Without
old, what the app's supabase/config.toml declares of them stands in (see supabase_config.py).

Old's values are carried to new before they are compared: old's API and site origins become
new's, as a team re-entering them for the new project would write them. Settings that hold a
secret (SMTP password, OAuth secrets, hook secrets) are never compared nor shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from postmigration.config import Target
from postmigration.management import ManagementUnavailable, management_get
from postmigration.supabase_config import DeclaredAuthConfig, DeclaredAuthSetting

SMTP = ("smtp_host", "smtp_port", "smtp_user", "smtp_admin_email", "smtp_sender_name")
TEMPLATE_PREFIXES = ("mailer_subjects_", "mailer_templates_")
HOOK_PREFIX = "hook_"
HOOK_SWITCH = re.compile(r"hook_(?P<hook>.+)_enabled")
# What an auth hook switched off costs, in the app's words (others: new's Auth skips it).
HOOK_EFFECTS = {
    "custom_access_token": "new's access tokens lack the claims it adds (roles the app reads)",
    "send_email": "new sends its auth emails without it",
    "send_sms": "new sends its auth text messages without it",
}
# Settings that move with the project by design (auth-redirects checks where links land).
MOVING = ("site_url", "uri_allow_list")
# Names of the settings holding a secret: smtp_pass, external_*_secret, hook_*_secrets,
# sms_twilio_auth_token, sms_*_api_key, sms_messagebird_access_key, security_captcha_secret.
SECRET_SETTING = re.compile(r"(secret|secrets|_pass|auth_token|access_key|api_key|private_key)$")


@dataclass(frozen=True)
class AuthConfig:
    """One project's auth configuration (secret-holding settings left out)."""

    target: str
    ref: str
    values: Mapping[str, Any]


def read_auth_config(http: httpx.Client, target: Target) -> AuthConfig:
    """The target's auth configuration; ManagementUnavailable when it cannot be read."""
    ref, config = management_get(http, target, "config/auth", "auth configuration")
    if not isinstance(config, dict):
        raise ManagementUnavailable(
            f"the Management API's answer for {target.name}'s auth configuration is not an object"
        )
    shown = {k: v for k, v in config.items() if not SECRET_SETTING.search(k)}
    return AuthConfig(target.name, ref, shown)


def _carried(value: Any, moved: Sequence[tuple[str, str]]) -> Any:
    if not isinstance(value, str):
        return value
    for old, new in moved:
        value = value.replace(old, new)
    return value


def _template_name(key: str) -> str:
    """`mailer_templates_magic_link_content` -> "the magic link email's body"."""
    if key.startswith("mailer_subjects_"):
        return f"the {key.removeprefix('mailer_subjects_').replace('_', ' ')} email's subject"
    kind = key.removeprefix("mailer_templates_").removesuffix("_content").replace("_", " ")
    return f"the {kind} email's body"


def _blank(value: Any) -> bool:
    return value is None or value == ""


def _hook_problem(
    key: str, was: Any, now: Any, old: Mapping[str, Any], moved: Sequence[tuple[str, str]]
) -> str:
    if was and not now and HOOK_SWITCH.fullmatch(key):
        runs = _carried(old.get(key.removesuffix("_enabled") + "_uri"), moved)
        return _hook_off(key, f"on on old{f' ({runs})' if runs else ''}")
    return f"auth hook setting {key} is {now!r} on new, {was!r} on old"


def _hook_off(key: str, on_there: str) -> str:
    """A hook's switch (`key`) off on new but on where `on_there` says, with what it costs."""
    switch = HOOK_SWITCH.fullmatch(key)
    hook = switch["hook"] if switch else key
    effect = HOOK_EFFECTS.get(hook, "new's Auth skips it")
    return (
        f"the {hook.replace('_', ' ')} auth hook is off on new but {on_there}: {effect}; "
        "switch it on under Authentication > Hooks"
    )


def config_problems(
    new: Mapping[str, Any],
    old: Mapping[str, Any],
    moved: Sequence[tuple[str, str]],
    old_origins: Iterable[str],
) -> list[str]:
    """What new's auth configuration lacks or changed against old's, carried: custom SMTP,
    every email template and subject, every auth hook setting; and any setting on new that
    still names an old origin."""
    problems: list[str] = []
    if not _blank(old.get("smtp_host")) and _blank(new.get("smtp_host")):
        problems.append(
            f"custom SMTP is not set on new: old sends its auth emails (sign-in links, password "
            f"resets, invites) through {old['smtp_host']}; new falls back to Supabase's built-in "
            "mailer, which sends a few emails an hour, to the project's team only"
        )
    elif not _blank(new.get("smtp_host")) and not _blank(old.get("smtp_host")):
        problems += [
            f"SMTP setting {key} is {new.get(key)!r} on new, {old.get(key)!r} on old"
            for key in SMTP
            if str(new.get(key) or "") != str(_carried(old.get(key), moved) or "")
        ]
    keys = sorted(set(old) | set(new))
    for key in keys:
        was, now = _carried(old.get(key), moved), new.get(key)
        if key.startswith(TEMPLATE_PREFIXES) and (was or None) != (now or None):
            unset = " (not set on new: Supabase's default is sent)" if _blank(now) else ""
            problems.append(f"{_template_name(key)} differs from old's{unset}")
        elif key.startswith(HOOK_PREFIX) and was != now:
            problems.append(_hook_problem(key, was, now, old, moved))
    for key in keys:
        value = new.get(key)
        named = [o for o in old_origins if isinstance(value, str) and o and o in value]
        if named:
            problems.append(f"auth setting {key} on new still names old's {named[0]}")
    return problems


def other_differences(
    new: Mapping[str, Any], old: Mapping[str, Any], moved: Sequence[tuple[str, str]]
) -> list[str]:
    """Names of the other settings whose values differ, old's carried (not judged: rate
    limits, token lifetimes and the like may be changed on purpose)."""
    judged = (*TEMPLATE_PREFIXES, HOOK_PREFIX, *SMTP, *MOVING)
    return sorted(
        key
        for key in set(old) | set(new)
        if not key.startswith(judged) and _carried(old.get(key), moved) != new.get(key)
    )


def summary(
    new: Mapping[str, Any], old: Mapping[str, Any], moved: Sequence[tuple[str, str]]
) -> str:
    """For the evidence: new's SMTP server, the email templates set on new, and the other
    settings that differ from old's."""
    templates = sorted(k for k, v in new.items() if k.startswith(TEMPLATE_PREFIXES) and v)
    others = other_differences(new, old, moved)
    smtp = new.get("smtp_host") or "none (Supabase's built-in mailer)"
    return (
        f"custom SMTP on new: {smtp}\n"
        f"email templates set on new: {', '.join(templates) or 'none'}\n"
        f"other settings that differ (not judged): {', '.join(others) or 'none'}"
    )


def declared_config_problems(new: Mapping[str, Any], declared: DeclaredAuthConfig) -> list[str]:
    """What new's auth configuration lacks or changed against what `declared` (the app's
    supabase/config.toml) sets: custom SMTP, email subjects and templates, auth hooks."""
    problems: list[str] = []
    by = declared.source
    no_smtp_on_new = _blank(new.get("smtp_host"))
    for key, want in declared.values.items():
        now = new.get(key)
        if key in SMTP and key != "smtp_host" and no_smtp_on_new:
            continue  # named once, by the missing server
        if key == "smtp_host" and _blank(want.value):
            if not _blank(now):
                problems.append(
                    f"custom SMTP is set on new ({now}) but {by} switches it off ({want.said_by})"
                )
        elif key == "smtp_host" and _blank(now):
            problems.append(
                f"custom SMTP is not set on new, but {by} sets {want.value} ({want.said_by}): new "
                "sends its auth emails (sign-in links, password resets, invites) through "
                "Supabase's built-in mailer, a few emails an hour, to the project's team only"
            )
        elif isinstance(want.value, bool):
            if bool(now) != want.value:
                problems.append(_declared_hook_problem(key, now, want, by))
        elif str(now or "") == want.value:
            continue
        elif key.startswith(TEMPLATE_PREFIXES):
            unset = " (not set on new: Supabase's default is sent)" if _blank(now) else ""
            problems.append(
                f"{_template_name(key)} on new differs from {by}{unset} ({want.said_by})"
            )
        else:
            kind = "SMTP setting" if key in SMTP else "auth hook setting"
            problems.append(
                f"{kind} {key} is {now!r} on new, {want.value!r} by {by} ({want.said_by})"
            )
    return problems


def _declared_hook_problem(key: str, now: Any, want: DeclaredAuthSetting, by: str) -> str:
    if want.value and HOOK_SWITCH.fullmatch(key):
        return _hook_off(key, f"{by} switches it on ({want.said_by})")
    return f"auth hook setting {key} is {now!r} on new, {want.value!r} by {by} ({want.said_by})"


def declared_summary(new: Mapping[str, Any], declared: DeclaredAuthConfig) -> str:
    """For the evidence: what was compared with the file, and new's SMTP server."""
    smtp = new.get("smtp_host") or "none (Supabase's built-in mailer)"
    return f"compared with {declared.described}\ncustom SMTP on new: {smtp}"
