"""The auth settings the app's Supabase CLI project file (``supabase/config.toml``) declares, in
the words of the Auth service's ``GET /auth/v1/settings``.

A team that applies its project's auth configuration with ``supabase config push`` keeps it
in that file: sign-ups (``[auth] enable_signup``), anonymous sign-ins, the email and phone
providers (``[auth.email]``/``[auth.sms] enable_signup``), email confirmations
(``[auth.email] enable_confirmations``, the inverse of ``mailer_autoconfirm``), the SMS
provider (the first ``[auth.sms.<provider>]`` enabled, in the CLI's order) and each OAuth
provider listed under ``[auth.external.<name>]``. Only what the file sets is declared: a key
left out, or given as ``env(...)``, is not compared. A ``[remotes.<name>]`` block whose
``project_id`` is the target's project ref overrides the file's values, as the CLI does for
that project. The phone provider's autoconfirm is never declared: the CLI pushes
``[auth.sms] enable_confirmations`` as ``sms_autoconfirm`` unchanged, while its local stack
reads it inverted, so the file does not say which the project has.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmigration.errors import MalformedConfigError

__all__ = ["DeclaredAuthSetting", "DeclaredAuthSettings", "declared_auth_settings"]

# The CLI's order: with several SMS providers enabled, the first one is pushed.
SMS_PROVIDERS = ("twilio", "twilio_verify", "messagebird", "textlocal", "vonage")
# /auth/v1/settings key <- (config.toml table, key, inverted)
_SWITCHES = (
    ("disable_signup", ("auth",), "enable_signup", True),
    ("mailer_autoconfirm", ("auth", "email"), "enable_confirmations", True),
)
# external.<provider> <- (config.toml table, key)
_PROVIDER_SWITCHES = (
    ("anonymous_users", ("auth",), "enable_anonymous_sign_ins"),
    ("email", ("auth", "email"), "enable_signup"),
    ("phone", ("auth", "sms"), "enable_signup"),
)


@dataclass(frozen=True)
class DeclaredAuthSetting:
    """One setting the file declares: its ``/auth/v1/settings`` value and where it says so."""

    value: Any
    said_by: str  # e.g. "[auth.email] enable_confirmations = false"


@dataclass(frozen=True)
class DeclaredAuthSettings:
    """What `source` declares: top-level settings and providers, each with where it says so."""

    source: str
    settings: Mapping[str, DeclaredAuthSetting] = field(default_factory=dict)
    providers: Mapping[str, DeclaredAuthSetting] = field(default_factory=dict)
    remote: str | None = None  # the [remotes.<name>] block applied, if any
    left_out: tuple[str, ...] = ()  # keys given as env(...): not compared

    @property
    def compared(self) -> list[str]:
        """The settings compared, in /auth/v1/settings' words."""
        return [*self.settings, *(f"external.{p}" for p in self.providers)]


def declared_auth_settings(
    path: Path, shown_as: str, project_ref: str | None = None
) -> DeclaredAuthSettings | None:
    """The auth settings `path` (the Supabase CLI's config.toml, named `shown_as`) declares for
    the project `project_ref`; None when there is no such file. An unreadable file is a
    MalformedConfigError in one line."""
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MalformedConfigError(f"{shown_as} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise MalformedConfigError(f"{shown_as} cannot be read: {exc.strerror}") from None
    remote, overrides = _remote_for(data, project_ref, shown_as)
    auth = _merged(_table(data, ("auth",), shown_as), overrides)
    return _declared({"auth": auth}, shown_as, remote)


def _declared(data: Mapping[str, Any], source: str, remote: str | None) -> DeclaredAuthSettings:
    settings: dict[str, DeclaredAuthSetting] = {}
    providers: dict[str, DeclaredAuthSetting] = {}
    left_out: list[str] = []

    def switch(table: tuple[str, ...], key: str) -> tuple[bool, str] | None:
        value = _table(data, table, source).get(key)
        said = f"[{'.'.join(table)}] {key}"
        if value is None:
            return None
        if _is_env(value):
            left_out.append(said)
            return None
        if not isinstance(value, bool):
            raise MalformedConfigError(f"{source}: {said} must be true or false")
        return value, f"{said} = {str(value).lower()}"

    for setting, table, key, inverted in _SWITCHES:
        found = switch(table, key)
        if found is not None:
            settings[setting] = DeclaredAuthSetting(found[0] != inverted, found[1])
    for provider, table, key in _PROVIDER_SWITCHES:
        found = switch(table, key)
        if found is not None:
            providers[provider] = DeclaredAuthSetting(found[0], found[1])
    for name in SMS_PROVIDERS:
        found = switch(("auth", "sms", name), "enabled")
        if found is not None and found[0]:
            settings["sms_provider"] = DeclaredAuthSetting(name, found[1])
            break
    for name in sorted(_table(data, ("auth", "external"), source)):
        found = switch(("auth", "external", name), "enabled")
        if found is not None:
            providers[name] = DeclaredAuthSetting(found[0], found[1])
    return DeclaredAuthSettings(source, settings, providers, remote, tuple(left_out))


def _remote_for(
    data: Mapping[str, Any], project_ref: str | None, source: str
) -> tuple[str | None, Mapping[str, Any]]:
    """The [remotes.<name>] block for `project_ref` (its name and its auth table), if any."""
    if project_ref is None:
        return None, {}
    for name, remote in _table(data, ("remotes",), source).items():
        if isinstance(remote, dict) and remote.get("project_id") == project_ref:
            return name, _table(remote, ("auth",), f"{source} [remotes.{name}]")
    return None, {}


def _table(data: Mapping[str, Any], path: tuple[str, ...], source: str) -> Mapping[str, Any]:
    found: Any = data
    for depth, part in enumerate(path, 1):
        found = found.get(part, {})
        if not isinstance(found, dict):
            raise MalformedConfigError(f"{source}: [{'.'.join(path[:depth])}] must be a table")
    return found


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _is_env(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("env(") and value.endswith(")")
