"""What the app's Supabase CLI project file (``supabase/config.toml``) declares of its Auth
service: the settings ``GET /auth/v1/settings`` shows, and the configuration the Management API
holds (custom SMTP, email templates, auth hooks).

A team that applies its project's auth configuration with ``supabase config push`` keeps it
in that file: sign-ups (``[auth] enable_signup``), anonymous sign-ins, the email and phone
providers (``[auth.email]``/``[auth.sms] enable_signup``), email confirmations
(``[auth.email] enable_confirmations``, the inverse of ``mailer_autoconfirm``), the SMS
provider (the first ``[auth.sms.<provider>]`` enabled, in the CLI's order), each OAuth
provider listed under ``[auth.external.<name>]``, ``[auth.email.smtp]``,
``[auth.email.template.<name>]`` and ``[auth.hook.<name>]``. Only what the file sets is
declared: a key left out, or given as ``env(...)``, is not compared. A ``[remotes.<name>]``
block whose ``project_id`` is the target's project ref overrides the file's values, as the CLI
does for that project. The phone provider's autoconfirm is never declared: the CLI pushes
``[auth.sms] enable_confirmations`` as ``sms_autoconfirm`` unchanged, while its local stack
reads it inverted, so the file does not say which the project has.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmigration.config import read_toml
from postmigration.errors import MalformedConfigError

__all__ = [
    "DeclaredAuthConfig",
    "DeclaredAuthSetting",
    "DeclaredAuthSettings",
    "declared_auth_config",
    "declared_auth_settings",
]

# The CLI's email templates ([auth.email.template.<name>]).
TEMPLATES = ("invite", "confirmation", "recovery", "magic_link", "email_change", "reauthentication")
SMTP_KEYS = {
    "host": "smtp_host",
    "port": "smtp_port",
    "user": "smtp_user",
    "admin_email": "smtp_admin_email",
    "sender_name": "smtp_sender_name",
}
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

    def __bool__(self) -> bool:
        """Whether the file declares any setting this compares."""
        return bool(self.settings or self.providers)

    @property
    def compared(self) -> list[str]:
        """The settings compared, in /auth/v1/settings' words."""
        return [*self.settings, *(f"external.{p}" for p in self.providers)]

    @property
    def described(self) -> str:
        """For the evidence: the file (and remote block) and what is compared with it."""
        return _described(self.source, self.remote, self.compared, self.left_out)


@dataclass(frozen=True)
class DeclaredAuthConfig:
    """What `source` declares of the Management API's auth configuration (custom SMTP, email
    subjects and templates, auth hooks), by its keys, each with where the file says so."""

    source: str
    values: Mapping[str, DeclaredAuthSetting] = field(default_factory=dict)
    remote: str | None = None
    left_out: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        """Whether the file declares any SMTP, template or hook setting."""
        return bool(self.values)

    @property
    def described(self) -> str:
        """For the evidence: the file (and remote block) and what is compared with it."""
        return _described(self.source, self.remote, list(self.values), self.left_out)


def _described(
    source: str, remote: str | None, compared: list[str], left_out: tuple[str, ...]
) -> str:
    block = f", with its [remotes.{remote}] block" if remote else ""
    unread = f"; not compared (env()): {', '.join(left_out)}" if left_out else ""
    return f"{source}{block} (no old server): {', '.join(compared)}{unread}"


def declared_auth_config(
    path: Path, shown_as: str, project_ref: str | None = None
) -> DeclaredAuthConfig | None:
    """The custom SMTP, email templates and auth hooks `path` declares for `project_ref`, as
    ``supabase config push`` would set them: SMTP only when ``[auth.email.smtp]`` is there
    (``enabled = false`` declares none: a blank host), a template's body read from its
    ``content_path`` (relative to the project folder holding ``supabase/``), a hook's URI only
    when it is enabled. Secrets (the SMTP password, hook secrets) are never read. None when
    there is no file."""
    reader = _load(path, shown_as, project_ref)
    if reader is None:
        return None
    values: dict[str, DeclaredAuthSetting] = {}

    def keep(key: str, found: tuple[Any, str] | None) -> None:
        if found is not None:
            values[key] = DeclaredAuthSetting(*found)

    smtp = ("auth", "email", "smtp")
    if "smtp" in reader.table(("auth", "email")):
        enabled = reader.value(smtp, "enabled", bool)
        if enabled is not None and not enabled[0]:
            values["smtp_host"] = DeclaredAuthSetting("", enabled[1])
        elif enabled is not None:
            for key, setting in SMTP_KEYS.items():
                keep(setting, reader.value(smtp, key, str))
    for name in TEMPLATES:
        table = ("auth", "email", "template", name)
        keep(f"mailer_subjects_{name}", reader.value(table, "subject", str))
        body = reader.value(table, "content_path", str)
        if body is not None:
            content = _template_body(path.parent.parent / body[0], body[1], shown_as)
            values[f"mailer_templates_{name}_content"] = DeclaredAuthSetting(content, body[1])
    for hook in sorted(reader.table(("auth", "hook"))):
        table = ("auth", "hook", hook)
        enabled = reader.value(table, "enabled", bool)
        keep(f"hook_{hook}_enabled", enabled)
        if enabled is not None and enabled[0]:
            keep(f"hook_{hook}_uri", reader.value(table, "uri", str))
    return DeclaredAuthConfig(shown_as, values, reader.remote, tuple(reader.left_out))


def _template_body(path: Path, said_by: str, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedConfigError(f"{source}: {said_by}: {path} cannot be read ({exc})") from None


def declared_auth_settings(
    path: Path, shown_as: str, project_ref: str | None = None
) -> DeclaredAuthSettings | None:
    """The auth settings `path` (the Supabase CLI's config.toml, named `shown_as`) declares for
    the project `project_ref`; None when there is no such file. An unreadable file is a
    ConfigError in one line."""
    reader = _load(path, shown_as, project_ref)
    if reader is None:
        return None
    settings: dict[str, DeclaredAuthSetting] = {}
    providers: dict[str, DeclaredAuthSetting] = {}
    for setting, table, key, inverted in _SWITCHES:
        found = reader.value(table, key, bool)
        if found is not None:
            settings[setting] = DeclaredAuthSetting(found[0] != inverted, found[1])
    for provider, table, key in _PROVIDER_SWITCHES:
        found = reader.value(table, key, bool)
        if found is not None:
            providers[provider] = DeclaredAuthSetting(*found)
    for name in SMS_PROVIDERS:
        found = reader.value(("auth", "sms", name), "enabled", bool)
        if found is not None and found[0]:
            settings["sms_provider"] = DeclaredAuthSetting(name, found[1])
            break
    for name in sorted(reader.table(("auth", "external"))):
        found = reader.value(("auth", "external", name), "enabled", bool)
        if found is not None:
            providers[name] = DeclaredAuthSetting(*found)
    return DeclaredAuthSettings(
        shown_as, settings, providers, reader.remote, tuple(reader.left_out)
    )


def _load(path: Path, shown_as: str, project_ref: str | None) -> _Reader | None:
    """A reader of the file's [auth] table, with the [remotes.<name>] block for `project_ref`
    applied; None when there is no file. An unreadable file is a ConfigError in one line."""
    if not path.is_file():
        return None
    data = read_toml(path)
    remote, overrides = _remote_for(data, project_ref, shown_as)
    auth = _merged(_table(data, ("auth",), shown_as), overrides)
    return _Reader({"auth": auth}, shown_as, remote)


class _Reader:
    """Reads typed values out of the file's tables, keeping the keys given as env(...)."""

    def __init__(self, data: Mapping[str, Any], source: str, remote: str | None) -> None:
        self.data, self.source, self.remote = data, source, remote
        self.left_out: list[str] = []

    def table(self, path: tuple[str, ...]) -> Mapping[str, Any]:
        return _table(self.data, path, self.source)

    def value(self, table: tuple[str, ...], key: str, kind: type) -> tuple[Any, str] | None:
        """The value and where the file says it (``[auth.email] enable_signup = true``); None
        when left out or given as env(...)."""
        value = self.table(table).get(key)
        said = f"[{'.'.join(table)}] {key}"
        if value is None:
            return None
        if _is_env(value):
            self.left_out.append(said)
            return None
        if kind is bool and not isinstance(value, bool):
            raise MalformedConfigError(f"{self.source}: {said} must be true or false")
        if kind is str and (isinstance(value, bool) or not isinstance(value, str | int)):
            raise MalformedConfigError(f"{self.source}: {said} must be a string")
        if kind is bool:
            return value, f"{said} = {str(value).lower()}"
        return str(value), f"{said} = {json.dumps(value)}"


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
