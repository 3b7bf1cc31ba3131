"""One run's configuration: which target, from which file, with which accounts and app profile."""

from __future__ import annotations

import datetime
import functools
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from postmigration.app_profile import AppProfile
from postmigration.checklist import DEFAULT_PHASE, ITEMS, PHASES, Phase, phase_waivers
from postmigration.config import (
    DEFAULT_CONFIG_NAME,
    Accounts,
    ConfigFile,
    Environment,
    Target,
    check_db_url,
    db_url_password,
    environment_from,
    load_accounts,
    load_app,
    load_sign_offs,
    load_target,
    load_waivers,
    read_config_file,
    secrets_of,
)
from postmigration.errors import ConfigError
from postmigration.redact import Redactor
from postmigration.repo import app_repo_at
from postmigration.supabase_config import declared_auth_config, declared_auth_settings

__all__ = [
    "RunConfig",
    "SignOff",
    "build_run_config",
    "choose_config_file",
    "choose_phase",
    "choose_target",
    "new_run_id",
    "parse_cutover_at",
    "parse_sign_offs",
]


@dataclass(frozen=True)
class SignOff:
    """An approval given on the command line: who gave it, and when the run recorded it."""

    id: str
    name: str
    at: str


# The environment variable (or .env line) holding the token for GitHub's checks API, and the
# one GitHub Actions sets to the running workflow's id (the gate's own checks are left out).
CI_TOKEN = "GITHUB_TOKEN"
CI_RUN_ID = "GITHUB_RUN_ID"

KEY_KIND_WORDS = {
    "legacy": "legacy (anon and service_role JWTs)",
    "new": "new (publishable and secret keys)",
    "both": "new (publishable and secret keys), and the legacy anon and service_role keys checked too",
    "mixed": "mixed (one current key and one legacy key; each use takes the current one where set)",
}


@dataclass(frozen=True)
class RunConfig:
    """Everything a test may ask about this run (the ``pm_config`` fixture)."""

    target: Target
    comparison_target: Target | None
    accounts: Accounts
    app_profile: AppProfile
    run_id: str
    report_dir: Path
    dump: Path | None
    config_path: Path | None
    target_source: str
    redactor: Redactor
    waivers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    dump_restore_url: str | None = field(default=None, repr=False)
    phase: Phase = DEFAULT_PHASE
    phase_source: str = "default"
    sign_offs_declared: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sign_offs: Mapping[str, SignOff] = field(default_factory=lambda: MappingProxyType({}))
    cutover_at: datetime.datetime | None = None
    # The app's repository (repo-ready, app-build) and the CI token (GITHUB_TOKEN, a secret).
    app_repo: Path | None = None
    ci_token: str | None = field(default=None, repr=False)
    ci_run_id: str | None = None

    @functools.cached_property
    def declared_items(self) -> frozenset[str]:
        """The items the app's own declarations stand in for old on: function-secrets when it
        lists secrets, auth-settings and auth-config when its supabase/config.toml declares
        anything they compare. Read once per run: the verdict asks for it as items settle."""
        profile = self.app_profile
        found = {
            "function-secrets": bool(profile.function_secrets),
            "auth-settings": _declares(declared_auth_settings, profile, self.target),
            "auth-config": _declares(declared_auth_config, profile, self.target),
        }
        return frozenset(item for item, present in found.items() if present)

    @property
    def all_waivers(self) -> dict[str, str]:
        """The phase's own waivers (parity at night without old), overridden by the team's
        [waivers]."""
        snapshot = self.app_profile.schema_snapshot.is_file()
        compared = self.comparison_target is not None
        return {
            **phase_waivers(self.phase, snapshot, compared, self.declared_items),
            **self.waivers,
        }

    @property
    def header_lines(self) -> list[str]:
        """The report header: the target, where it came from, and each setting's source."""
        target = self.target
        lines = [
            f"target: {target.name} ({target.supabase_url}) from {self.target_source}",
            f"api keys: {KEY_KIND_WORDS[target.key_kind]}",
        ]
        by_source: dict[str, list[str]] = {}
        for setting, source in target.sources.items():
            by_source.setdefault(source, []).append(setting)
        if len(by_source) > 1:
            for source, settings in by_source.items():
                lines.append(f"  {', '.join(settings)} from {source}")
        if self.comparison_target is not None:
            other = self.comparison_target
            lines.append(f"compare to: {other.name} ({other.supabase_url})")
        lines.append(f"phase: {self.phase} (from {self.phase_source})")
        lines.append(f"run id: {self.run_id} · reports in {self.report_dir}")
        return lines


def _declares(
    declared: Callable[[Path, str, str | None], object], profile: AppProfile, target: Target
) -> bool:
    """Whether the app's supabase/config.toml declares anything `declared` reads; an unreadable
    file counts (the item's test then fails saying why, instead of the phase waiving it)."""
    if profile.supabase_config is None:
        return False
    try:
        return bool(declared(profile.supabase_config, "", target.project_ref))
    except ConfigError:
        return True


def new_run_id() -> str:
    """A short id carried by everything the run creates, e.g. ``pm-1a2b3c``."""
    return f"pm-{secrets.token_hex(3)}"


def given_run_id(value: str | None) -> str:
    """`--run-id` when it is a run id (``pm-`` and 6 hex digits, as new_run_id makes), else a
    new one; anything else is refused (ConfigError): the cleanup deletes every row whose text
    starts with the run id, so ``--run-id=test`` would delete users' rows starting "test "."""
    if value is None:
        return new_run_id()
    if re.fullmatch(r"pm-[0-9a-f]{6}", value) is None:
        raise ConfigError(
            f"--run-id {value!r} is not a run id: give pm- and 6 hex digits (e.g. pm-1a2b3c); "
            "the cleanup deletes every row whose text starts with the run id"
        )
    return value


def choose_target(
    option: str | None, environ: dict[str, str] | os._Environ[str]
) -> tuple[str, str] | None:
    """The target name and how it was chosen: ``--target`` over ``POSTMIGRATION_TARGET``."""
    if option:
        return option, "--target"
    value = environ.get("POSTMIGRATION_TARGET", "").strip()
    if value:
        return value, "POSTMIGRATION_TARGET"
    return None


def choose_phase(option: str | None, target: Target) -> tuple[Phase, str]:
    """The phase and where it came from: ``--phase`` over the target's ``phase`` setting over
    the default (post-cutover); anything else is a usage error listing the valid ones."""
    chosen, source = DEFAULT_PHASE, "default"
    if option:
        chosen, source = option, "--phase"
    elif target.phase:
        chosen, source = target.phase, target.sources.get("phase", "config")
        source = f"phase of target {target.name!r} in {source}"
    for phase in PHASES:
        if chosen == phase:
            return phase, source
    raise ConfigError(f"unknown phase {chosen!r} ({source}); valid phases: {', '.join(PHASES)}")


def parse_sign_offs(
    given: list[str], declared: Mapping[str, str], where: str
) -> dict[str, SignOff]:
    """``--sign-off ID=NAME`` values, each for an approval declared in ``[sign_offs]``; recorded
    with the time the run took them."""
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    result: dict[str, SignOff] = {}
    for value in given:
        sign_off, equals, name = value.partition("=")
        sign_off, name = sign_off.strip(), name.strip().strip("\"'").strip()
        if not equals or not sign_off or not name:
            raise ConfigError(
                f'--sign-off {value!r}: write ID="NAME", e.g. --sign-off maintenance-window="J. Doe"'
            )
        if sign_off not in declared:
            known = ", ".join(declared) or f"none declared in [sign_offs] of {where}"
            raise ConfigError(f"--sign-off names unknown sign-off {sign_off!r} (known: {known})")
        result[sign_off] = SignOff(sign_off, name, now)
    return result


def parse_cutover_at(value: str | None) -> datetime.datetime | None:
    """``--cutover-at``: an ISO 8601 time (a time without zone is taken as UTC)."""
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(
            f"--cutover-at {value!r} is not a time (write ISO 8601, e.g. 2026-03-01T22:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def choose_config_file(option: str | None, cwd: Path, root: Path) -> ConfigFile:
    """The config file: ``--pm-config`` over ``POSTMIGRATION_CONFIG`` over ./postmigration.toml."""
    if option:
        return read_config_file(Path(option).expanduser().resolve(), "--pm-config")
    value = os.environ.get("POSTMIGRATION_CONFIG", "").strip()
    if value:
        return read_config_file(Path(value).expanduser().resolve(), "POSTMIGRATION_CONFIG")
    for directory in (cwd, root):
        candidate = directory / DEFAULT_CONFIG_NAME
        if candidate.is_file():
            return read_config_file(candidate, "default path")
    return read_config_file(None, "no file")


def build_run_config(
    *,
    target_name: str,
    config_file: ConfigFile,
    env: Environment | None,
    cwd: Path,
    root: Path,
    compare_to: str | None,
    run_id: str,
    report_dir: str,
    dump: str | None,
    dump_restore_url: str | None = None,
    source_label: str | None = None,
    phase: str | None = None,
    sign_offs: list[str] | None = None,
    cutover_at: str | None = None,
) -> RunConfig:
    """Resolve the whole run from a config file and the environment; raises ConfigError."""
    env = env or environment_from(cwd)
    target = load_target(target_name, config_file, env)
    comparison = None
    if compare_to:
        if compare_to == target_name:
            raise ConfigError(
                f"--compare-to names the target itself ({compare_to!r}); "
                "give the old server's target"
            )
        comparison = load_target(compare_to, config_file, env)
    accounts = load_accounts(config_file, env)
    # A missing or damaged dump is a finding of the rollback-dump item, not a usage error.
    given_dump = dump or target.dump
    dump_path = (cwd / given_dump).resolve() if given_dump else None
    restore_url = (
        check_db_url("--dump-restore-url", "the value", dump_restore_url)
        if dump_restore_url
        else target.dump_restore_url
    )
    source = source_label or target.sources.get("supabase_url", config_file.label)
    chosen_phase, phase_source = choose_phase(phase, target)
    declared = load_sign_offs(config_file)
    where = f"target {target.name!r}"
    app_repo = app_repo_at(target.app_repo, where, cwd) if target.app_repo else None
    ci_token = (env.get(CI_TOKEN) or ("", ""))[0] or None
    return RunConfig(
        target=target,
        comparison_target=comparison,
        accounts=accounts,
        app_profile=load_app(config_file, root),
        run_id=run_id,
        report_dir=(cwd / report_dir).resolve(),
        dump=dump_path,
        config_path=config_file.path,
        target_source=source,
        redactor=secrets_of(
            target,
            comparison,
            accounts=accounts,
            extra=(restore_url, db_url_password(restore_url), ci_token),
        ),
        waivers=MappingProxyType(load_waivers(config_file, ITEMS)),
        dump_restore_url=restore_url,
        phase=chosen_phase,
        phase_source=phase_source,
        sign_offs_declared=MappingProxyType(declared),
        sign_offs=MappingProxyType(parse_sign_offs(sign_offs or [], declared, config_file.label)),
        cutover_at=parse_cutover_at(cutover_at),
        app_repo=app_repo,
        ci_token=ci_token,
        ci_run_id=(env.get(CI_RUN_ID) or ("", ""))[0] or None,
    )
