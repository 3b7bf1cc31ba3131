"""One run's configuration: which target, from which file, with which accounts and app profile."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from postmigration.app_profile import AppProfile
from postmigration.checklist import ITEMS
from postmigration.config import (
    DEFAULT_CONFIG_NAME,
    Accounts,
    ConfigFile,
    Environment,
    Target,
    environment_from,
    load_accounts,
    load_app,
    load_target,
    load_waivers,
    read_config_file,
    secrets_of,
)
from postmigration.errors import ConfigError
from postmigration.redact import Redactor

__all__ = ["RunConfig", "build_run_config", "choose_config_file", "choose_target", "new_run_id"]

KEY_KIND_WORDS = {
    "legacy": "legacy (anon and service_role JWTs)",
    "new": "new (publishable and secret keys)",
    "both": "new (publishable and secret keys), and the legacy anon and service_role keys checked too",
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
        lines.append(f"run id: {self.run_id} · reports in {self.report_dir}")
        return lines


def new_run_id() -> str:
    """A short id carried by everything the run creates, e.g. ``pm-1a2b3c``."""
    return f"pm-{secrets.token_hex(3)}"


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
    source_label: str | None = None,
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
    source = source_label or target.sources.get("supabase_url", config_file.label)
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
        redactor=secrets_of(target, comparison, accounts=accounts),
        waivers=MappingProxyType(load_waivers(config_file, ITEMS)),
    )
