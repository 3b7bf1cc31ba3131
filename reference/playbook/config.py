"""`DIR/postmigration.toml`: the suite's config with targets `old` and `new`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from reference.stack.state import StateDir

from .nameserver import ORIGINS, PUBLIC_NAME


def playbook_config(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    dump: Path | None = None,
    app_repo: Path | None = None,
    dns_server: str | None = None,
) -> dict[str, Any]:
    """Both stacks' configs merged: `[targets.local]` renamed, old's origin on new, the backup
    taken before cutover as new's rollback dump, the app's repository (whose built manifest
    names the build new must serve), old's accounts (their rows and passwords moved with the
    dump); with `dns_server`, the public name that server answers for, and each stack's origin
    name that the public name points at."""
    old_target = dict(old["targets"]["local"])
    new_target = {**new["targets"]["local"], "old_origins": [old_target["supabase_url"]]}
    if dump is not None:
        new_target["dump"] = str(dump)
    if app_repo is not None:
        new_target["app_repo"] = str(app_repo)
    if dns_server is not None:
        old_target["origin_host"] = ORIGINS["old"]
        new_target.update(
            public_name=PUBLIC_NAME, dns_server=dns_server, origin_host=ORIGINS["new"]
        )
    return {"targets": {"old": old_target, "new": new_target}, "accounts": dict(old["accounts"])}


def write_config(
    state_dir: Path,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    dump: Path | None = None,
    app_repo: Path | None = None,
    dns_server: str | None = None,
) -> Path:
    """Write the merged config (it holds keys: mode 600) and return its path."""
    state = StateDir(state_dir)
    path = state_dir / "postmigration.toml"
    state.write_private(path, tomli_w.dumps(playbook_config(old, new, dump, app_repo, dns_server)))
    return path
