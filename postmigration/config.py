"""Targets, accounts and the app profile, from ``postmigration.toml`` and the environment.

Precedence for a target's settings: environment (``<TARGET>_<NAME>``, e.g.
``NEW_SUPABASE_SERVICE_ROLE_KEY``) over ``.env`` over the file. The file may refer to the
environment with ``${VAR}``. Every setting remembers where it came from, for the report header.
"""

from __future__ import annotations

import os
import re
import tomllib
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from dotenv import dotenv_values

from postmigration.app_profile import AppProfile, load_app_profile
from postmigration.errors import (
    ConfigError,
    InvalidUrlError,
    MalformedConfigError,
    MissingSettingError,
    UnknownTargetError,
)
from postmigration.keys import KeyKind, check_key
from postmigration.redact import Redactor
from postmigration.repo import is_slug

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "Account",
    "Accounts",
    "Environment",
    "Inbox",
    "Target",
    "load_target",
    "read_config_file",
    "read_toml",
]

DEFAULT_CONFIG_NAME = "postmigration.toml"

# setting -> the name after "<TARGET>_" in the environment; Supabase's own names where it has one.
TARGET_ENV_NAMES = {
    "supabase_url": "SUPABASE_URL",
    "anon_key": "SUPABASE_ANON_KEY",
    "service_role_key": "SUPABASE_SERVICE_ROLE_KEY",
    "publishable_key": "SUPABASE_PUBLISHABLE_KEY",
    "secret_key": "SUPABASE_SECRET_KEY",
    "app_ships_legacy_keys": "APP_SHIPS_LEGACY_KEYS",
    "db_url": "SUPABASE_DB_URL",
    "site_url": "SITE_URL",
    "read_only": "READ_ONLY",
    "local": "LOCAL",
    "old_origins": "OLD_ORIGINS",
    "dump": "DUMP",
    "dump_restore_url": "DUMP_RESTORE_URL",
    "dump_max_age_hours": "DUMP_MAX_AGE_HOURS",
    "expected_address": "EXPECTED_ADDRESS",
    "cert_min_days": "CERT_MIN_DAYS",
    "phase": "PHASE",
    "app_repo": "APP_REPO",
    "app_build": "APP_BUILD",
    "github_repo": "GITHUB_REPO",
    "public_name": "PUBLIC_NAME",
    "dns_server": "DNS_SERVER",
    "dns_max_ttl_s": "DNS_MAX_TTL_S",
    "origin_host": "ORIGIN_HOST",
    # The Management API (`supabase secrets list`): the project's ref, the API's URL and a
    # personal access token (the CLI's SUPABASE_ACCESS_TOKEN).
    "project_ref": "PROJECT_REF",
    "management_url": "MANAGEMENT_API_URL",
    "management_token": "SUPABASE_ACCESS_TOKEN",
}
REQUIRED_SETTINGS = ("supabase_url",)
# Each pair: the current key, or its legacy counterpart (one of the two is required).
KEY_PAIRS = (("publishable_key", "anon_key"), ("secret_key", "service_role_key"))
KEY_SETTINGS = ("anon_key", "service_role_key", "publishable_key", "secret_key")
SECRET_SETTINGS = (*KEY_SETTINGS, "db_url", "dump_restore_url", "management_token")
INBOX_SETTINGS = (
    "email",
    "resend_api_url",
    "resend_api_key",
    "whatsapp",
    "whatsapp_api_url",
    "whatsapp_token",
    "whatsapp_phone_number_id",
    "imap_url",
)
INBOX_SECRETS = ("resend_api_key", "whatsapp_token", "imap_url")
ACCOUNT_SETTINGS = ("email", "password", "phone")

# A project ref: the lowercase id in https://<ref>.supabase.co
_PROJECT_REF = re.compile(r"[a-z0-9]{3,40}")
# HOST, HOST:PORT or [IPv6]:PORT
_DNS_SERVER = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+)(:\d{1,5})?")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Environment:
    """Environment variables, with a ``.env`` file beneath them (real variables win)."""

    def __init__(self, environ: Mapping[str, str], dotenv_path: Path | None = None) -> None:
        # An empty variable is a setting not given: CI secret stores hand over an unset secret
        # as "" (GitHub Actions does), and it must not blank what the config file holds.
        self._environ = {k: v for k, v in environ.items() if v}
        self._dotenv: dict[str, str] = {}
        if dotenv_path is not None and dotenv_path.is_file():
            values = dotenv_values(dotenv_path)
            # An empty line copied from .env.example (``NAME=``) is a value not filled in yet.
            self._dotenv = {k: v for k, v in values.items() if v}

    def get(self, name: str) -> tuple[str, str] | None:
        """Return ``(value, source)`` for ``name``, or None when it is set nowhere."""
        if name in self._environ:
            return self._environ[name], f"environment ({name})"
        if name in self._dotenv:
            return self._dotenv[name], f".env ({name})"
        return None


def env_prefix(target_name: str) -> str:
    """``staging-eu`` -> ``STAGING_EU_``: the prefix of a target's environment overrides."""
    return re.sub(r"[^A-Za-z0-9]", "_", target_name).upper() + "_"


@dataclass(frozen=True)
class Inbox:
    """Where the invitee's messages can be read back: Resend, WhatsApp Cloud API, an IMAP mailbox.

    ``imap_url`` (``imaps://USER:PASSWORD@HOST/INBOX``) holds a password: it is a secret.
    """

    email: str | None = None
    resend_api_url: str | None = None
    resend_api_key: str | None = field(default=None, repr=False)
    whatsapp: str | None = None
    whatsapp_api_url: str | None = None
    whatsapp_token: str | None = field(default=None, repr=False)
    whatsapp_phone_number_id: str | None = None
    imap_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Target:
    """One Supabase project the suite checks: its URLs, keys and how it may be treated.

    Secrets are left out of ``repr`` so assertion rewriting never prints them.
    """

    name: str
    supabase_url: str
    anon_key: str | None = field(default=None, repr=False)
    service_role_key: str | None = field(default=None, repr=False)
    publishable_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    app_ships_legacy_keys: bool = False
    db_url: str | None = field(default=None, repr=False)
    site_url: str | None = None
    read_only: bool = False
    local: bool = False
    old_origins: tuple[str, ...] = ()
    dump: str | None = None
    dump_restore_url: str | None = field(default=None, repr=False)
    dump_max_age_hours: float = 24.0
    expected_address: str | None = None
    cert_min_days: int = 14
    phase: str | None = None
    app_repo: str | None = None
    app_build: str | None = None
    github_repo: str | None = None
    # The DNS switch: the name users type, the name server to ask about it, the highest TTL
    # allowed before the switch, and what the public name points at to reach this target.
    public_name: str | None = None
    dns_server: str | None = None
    dns_max_ttl_s: int = 300
    origin_host: str | None = None
    project_ref: str | None = None
    management_url: str | None = None
    management_token: str | None = field(default=None, repr=False)
    inbox: Inbox = Inbox()
    sources: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    @property
    def key_kind(self) -> KeyKind:
        """Which API keys the run uses: ``new`` (publishable/secret), ``legacy`` (anon/
        service_role JWTs), ``both`` (the current keys first, the legacy ones checked too), or
        ``mixed`` (a pair half-moved: one current key and the other's legacy counterpart)."""
        has_new = bool(self.publishable_key and self.secret_key)
        has_legacy = bool(self.anon_key and self.service_role_key)
        if has_new and has_legacy:
            return "both"
        if has_new or has_legacy:
            return "new" if has_new else "legacy"
        return "mixed"

    @property
    def public_key(self) -> str:
        """The key a visitor's client uses: the publishable key, else the legacy anon key."""
        key = self.publishable_key or self.anon_key
        assert key, "load_target guarantees a public key"
        return key

    @property
    def server_key(self) -> str:
        """The key a trusted server uses (bypasses RLS): the secret key, else service_role."""
        key = self.secret_key or self.service_role_key
        assert key, "load_target guarantees a server key"
        return key

    def env_name(self, setting: str) -> str:
        """The environment variable that overrides ``setting`` for this target."""
        return env_prefix(self.name) + TARGET_ENV_NAMES.get(setting, setting.upper())

    def require(self, setting: str) -> str:
        """Return an optional setting (``db_url``, ``site_url``) or skip the test as not configured.

        A skipped test leaves its checklist item not verified, so the gate stays honest.
        """
        value = getattr(self, setting, None)
        if value is None:
            value = getattr(self.inbox, setting, None)
        if not value:
            pytest.skip(
                f"not configured: target {self.name!r} has no {setting} "
                f"(set {self.env_name(setting)} or {setting} in [targets.{self.name}])"
            )
        return str(value)

    def require_writable(self) -> None:
        """Skip a check that writes data when the target is declared read-only."""
        if self.read_only:
            pytest.skip(f"target {self.name!r} is read-only and this check writes data")

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret of this target: keys, the DB URLs and their passwords, the Management API
        token, inbox tokens."""
        values = [*(getattr(self, key) for key in KEY_SETTINGS), self.db_url, self.dump_restore_url]
        values.append(self.management_token)
        for url in (self.db_url, self.dump_restore_url):
            values.append(db_url_password(url))
        values += [getattr(self.inbox, name) for name in INBOX_SECRETS]
        if self.inbox.imap_url:
            try:
                password = urllib.parse.urlsplit(self.inbox.imap_url).password
            except ValueError:  # not a URL: the whole value is redacted above
                password = None
            values.append(urllib.parse.unquote(password) if password else None)
        return tuple(v for v in values if v)


@dataclass(frozen=True)
class Account:
    """A test account of the app (admin, user, invitee) the suite signs in as."""

    role: str
    email: str
    password: str = field(repr=False)
    phone: str | None = None


class Accounts(Mapping[str, Account]):
    """The configured accounts by role; a missing role skips the test as not configured."""

    def __init__(self, accounts: Mapping[str, Account], where: str) -> None:
        self._accounts = dict(accounts)
        self._where = where

    def __getitem__(self, role: str) -> Account:
        if role not in self._accounts:
            pytest.skip(f"not configured: no [accounts.{role}] in {self._where}")
        return self._accounts[role]

    def __contains__(self, role: object) -> bool:
        # Mapping's would ask __getitem__, which skips the test for a missing role.
        return role in self._accounts

    def get(  # type: ignore[override]
        self, role: str, default: Account | None = None
    ) -> Account | None:
        """The account for `role`, or `default` when none is configured (never skips)."""
        return self._accounts.get(role, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._accounts)

    def __len__(self) -> int:
        return len(self._accounts)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The accounts' passwords."""
        return tuple(a.password for a in self._accounts.values())


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config file: its path, how it was chosen, and its tables."""

    path: Path | None
    chosen_by: str
    data: Mapping[str, Any]

    @property
    def label(self) -> str:
        """How messages name the file: its name, or 'environment' when there is none."""
        return self.path.name if self.path else "environment"


def read_toml(path: Path) -> dict[str, Any]:
    """The tables of a TOML file; a syntax error or an unreadable file becomes one line."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MalformedConfigError(
            f"{path}: not valid TOML: {exc} (fix the syntax there)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None


def read_config_file(path: Path | None, chosen_by: str) -> ConfigFile:
    """Parse a TOML config file; a syntax error becomes one line with the file and line."""
    if path is None:
        return ConfigFile(None, chosen_by, {})
    if not path.is_file():
        raise ConfigError(f"{chosen_by} names {path}, which does not exist (check the path)")
    data = read_toml(path)
    unknown = sorted(set(data) - {"targets", "accounts", "app", "waivers", "sign_offs"})
    if unknown:
        raise MalformedConfigError(
            f"{path.name}: unknown section [{unknown[0]}] "
            "(known: [targets.NAME], [accounts.ROLE], [app], [waivers], [sign_offs])"
        )
    for section in ("targets", "accounts", "app", "waivers", "sign_offs"):
        if section in data and not isinstance(data[section], dict):
            raise MalformedConfigError(f"{path.name}: {section} must be a table ([{section}...])")
    return ConfigFile(path, chosen_by, data)


def expand(value: Any, env: Environment, where: str) -> tuple[Any, str | None]:
    """Replace ``${VAR}`` references in a string; returns the value and the variables used."""
    if not isinstance(value, str) or "${" not in value:
        return value, None
    used: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        found = env.get(name)
        if found is None:
            raise MissingSettingError(
                f"{where} needs ${{{name}}}, which is not set (export {name} or add it to .env)"
            )
        used.append(name)
        return found[0]

    return _VAR.sub(substitute, value), ", ".join(f"${{{n}}}" for n in used)


def _check_url(name: str, setting: str, value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidUrlError(
            f"target {name!r}: {setting} {value!r} is not a URL "
            "(write it in full, e.g. https://<project>.supabase.co)"
        )
    return value.rstrip("/")


def db_url_password(url: str | None) -> str | None:
    """The (unquoted) password inside a PostgreSQL URL, or None."""
    if not url:
        return None
    try:
        password = urllib.parse.urlsplit(url).password
    except ValueError:  # not a URL: the whole value is redacted as a secret
        return None
    return urllib.parse.unquote(password) if password else None


def check_db_url(where: str, setting: str, value: str) -> str:
    """`value` if it is a PostgreSQL URL; else InvalidUrlError naming `where` and `setting`."""
    # Never echo a DB URL: it carries a password.
    try:
        parts = urllib.parse.urlsplit(value)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme not in ("postgres", "postgresql") or not host:
        raise InvalidUrlError(
            f"{where}: {setting} is not a PostgreSQL URL "
            "(expected postgresql://USER:PASSWORD@HOST:5432/postgres)"
        )
    return value


def _coerce(name: str, setting: str, value: Any, from_env: bool) -> Any:
    if setting in ("read_only", "local", "app_ships_legacy_keys"):
        if isinstance(value, bool):
            return value
        if from_env and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise MalformedConfigError(f"target {name!r}: {setting} must be true or false")
    if setting in ("cert_min_days", "dns_max_ttl_s"):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if from_env and isinstance(value, str) and value.strip().isdigit():
            return int(value)
        unit = "days" if setting == "cert_min_days" else "seconds"
        raise MalformedConfigError(f"target {name!r}: {setting} must be a whole number of {unit}")
    if setting == "dump_max_age_hours":
        if from_env and isinstance(value, str) and re.fullmatch(r"\s*\d+(\.\d*)?\s*", value):
            value = float(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        raise MalformedConfigError(
            f"target {name!r}: dump_max_age_hours must be a number of hours above 0 (e.g. 24)"
        )
    if setting == "old_origins":
        if from_env and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise MalformedConfigError(f"target {name!r}: old_origins must be a list of URLs")
        return tuple(_check_url(name, setting, v) for v in value)
    if not isinstance(value, str):
        raise MalformedConfigError(f'target {name!r}: {setting} must be a string ("...")')
    if setting in ("supabase_url", "site_url", "management_url"):
        return _check_url(name, setting, value)
    if setting == "project_ref" and not _PROJECT_REF.fullmatch(value):
        raise MalformedConfigError(
            f"target {name!r}: project_ref {value!r} is not a project ref "
            '(the lowercase id in https://<ref>.supabase.co, e.g. "abcdefghijklmnopqrst")'
        )
    if setting in ("db_url", "dump_restore_url"):
        return check_db_url(f"target {name!r}", setting, value)
    if setting == "github_repo" and not is_slug(value):
        raise MalformedConfigError(
            f'target {name!r}: github_repo {value!r} is not owner/name (e.g. "acme/lms-web")'
        )
    if setting == "dns_server" and not _DNS_SERVER.fullmatch(value.strip()):
        raise MalformedConfigError(
            f"target {name!r}: dns_server {value!r} is not HOST or HOST:PORT "
            '(e.g. "ns1.example.com" or "127.0.0.1:5353")'
        )
    if setting in KEY_SETTINGS:
        return check_key(name, setting, value, env_prefix(name) + TARGET_ENV_NAMES[setting])
    return value


def _resolve(
    name: str,
    table: Mapping[str, Any],
    keys: tuple[str, ...],
    env_names: Mapping[str, str],
    env: Environment,
    where: str,
    file_label: str,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Pick each setting from the environment first, then the file; note where it came from."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in keys:
        found = env.get(env_prefix(name) + env_names.get(key, key.upper()))
        if found is not None:
            values[key] = _coerce(name, key, found[0], from_env=True)
            sources[key] = found[1]
        elif key in table:
            raw, used = expand(table[key], env, f"{where} {key}")
            values[key] = _coerce(name, key, raw, from_env=False)
            sources[key] = f"{used} in {file_label}" if used else file_label
    return values, sources


def load_target(name: str, config: ConfigFile, env: Environment) -> Target:
    """Resolve target ``name`` from environment and file into one frozen ``Target``."""
    targets = config.data.get("targets", {})
    table = targets.get(name, {})
    where = f"{config.label}: [targets.{name}]"
    if not isinstance(table, dict):
        raise MalformedConfigError(f"{where} must be a table")
    prefix = env_prefix(name)
    defined_by_env = env.get(prefix + TARGET_ENV_NAMES["supabase_url"]) is not None
    if name not in targets and not defined_by_env:
        known = ", ".join(sorted(targets)) or "none"
        if config.path is None:
            raise UnknownTargetError(
                f"unknown target {name!r}: no {DEFAULT_CONFIG_NAME} found "
                f"(create one with [targets.{name}], or set {prefix}SUPABASE_URL, "
                f"{prefix}SUPABASE_ANON_KEY and {prefix}SUPABASE_SERVICE_ROLE_KEY)"
            )
        raise UnknownTargetError(
            f"unknown target {name!r} in {config.path.name} (known: {known}; "
            f"add [targets.{name}] or pick one of those)"
        )
    allowed = set(TARGET_ENV_NAMES) | {"inbox"}
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise MalformedConfigError(
            f"{where} has an unknown setting {unknown[0]!r} (known: {', '.join(sorted(allowed))})"
        )
    values, sources = _resolve(
        name, table, tuple(TARGET_ENV_NAMES), TARGET_ENV_NAMES, env, where, config.label
    )
    missing = [setting for setting in REQUIRED_SETTINGS if not values.get(setting)]
    uses_new = bool(values.get("publishable_key") or values.get("secret_key"))
    for current, legacy in KEY_PAIRS:
        if not (values.get(current) or values.get(legacy)):
            # Name the key of the kind the target already uses, so the fix is one setting.
            missing.append(current if uses_new else legacy)
    if missing:
        setting = missing[0]
        file_name = config.path.name if config.path else DEFAULT_CONFIG_NAME
        raise MissingSettingError(
            f"target {name!r} has no {setting} (set {prefix}{TARGET_ENV_NAMES[setting]}, "
            f"or {setting} in [targets.{name}] of {file_name})"
        )
    inbox_table = table.get("inbox", {})
    if not isinstance(inbox_table, dict):
        raise MalformedConfigError(f"{where}.inbox must be a table")
    unknown = sorted(set(inbox_table) - set(INBOX_SETTINGS))
    if unknown:
        raise MalformedConfigError(
            f"{where[:-1]}.inbox] has an unknown setting {unknown[0]!r} "
            f"(known: {', '.join(INBOX_SETTINGS)})"
        )
    inbox_values, inbox_sources = _resolve(
        name, inbox_table, INBOX_SETTINGS, {}, env, f"{where[:-1]}.inbox]", config.label
    )
    sources.update({f"inbox.{k}": v for k, v in inbox_sources.items()})
    return Target(
        name=name,
        inbox=Inbox(**inbox_values),
        sources=MappingProxyType(sources),
        **values,
    )


def load_accounts(config: ConfigFile, env: Environment) -> Accounts:
    """Read ``[accounts.ROLE]`` tables (email, password, phone), expanding ``${VAR}``."""
    accounts: dict[str, Account] = {}
    for role, table in config.data.get("accounts", {}).items():
        where = f"{config.label}: [accounts.{role}]"
        if not isinstance(table, dict):
            raise MalformedConfigError(f"{where} must be a table with email and password")
        unknown = sorted(set(table) - set(ACCOUNT_SETTINGS))
        if unknown:
            raise MalformedConfigError(
                f"{where} has an unknown setting {unknown[0]!r} (known: email, password, phone)"
            )
        values = {}
        for key in ACCOUNT_SETTINGS:
            if key in table:
                value, _ = expand(table[key], env, f"{where} {key}")
                if not isinstance(value, str):
                    raise MalformedConfigError(f'{where} {key} must be a string ("...")')
                values[key] = value
        for key in ("email", "password"):
            if not values.get(key):
                raise MissingSettingError(f'{where} has no {key} (add {key} = "..." there)')
        accounts[role] = Account(role=role, **values)
    return Accounts(accounts, config.label)


def load_waivers(config: ConfigFile, known_items: Iterable[str]) -> dict[str, str]:
    """``[waivers]``: item id -> the reason the team accepts not verifying it (shown in the report)."""
    waivers = dict(config.data.get("waivers", {}))
    known = set(known_items)
    for item_id, reason in waivers.items():
        if item_id not in known:
            raise MalformedConfigError(
                f"{config.label}: [waivers] names unknown item {item_id!r} (known: {', '.join(sorted(known))})"
            )
        if not isinstance(reason, str) or not reason.strip():
            raise MalformedConfigError(
                f'{config.label}: [waivers] {item_id} needs a reason (e.g. {item_id} = "no old server: fresh project")'
            )
    return waivers


def load_sign_offs(config: ConfigFile) -> dict[str, str]:
    """``[sign_offs]``: approval id -> what it approves (e.g. ``maintenance-window =
    "Maintenance window approved"``); each is required before the DNS switch."""
    declared = dict(config.data.get("sign_offs", {}))
    for sign_off, title in declared.items():
        if not isinstance(title, str) or not title.strip():
            raise MalformedConfigError(
                f"{config.label}: [sign_offs] {sign_off} needs what it approves "
                f'(e.g. {sign_off} = "Maintenance window approved")'
            )
    return declared


def load_app(config: ConfigFile, root: Path) -> AppProfile:
    """The app profile from ``[app]``, defaulting to the reference app."""
    base = config.path.parent if config.path else root
    return load_app_profile(config.data.get("app", {}), config.label, base, root)


def secrets_of(
    *targets: Target | None, accounts: Accounts | None = None, extra: Iterable[str | None] = ()
) -> Redactor:
    """A redactor for every secret of the given targets and accounts, and `extra` values."""
    values: list[str | None] = list(extra)
    for target in targets:
        if target is not None:
            values += target.secrets
    if accounts is not None:
        values += accounts.secrets
    return Redactor(values)


def environment_from(cwd: Path) -> Environment:
    """The process environment over ``.env`` in the directory pytest was started from."""
    return Environment(os.environ, cwd / ".env")
