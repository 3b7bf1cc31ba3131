"""``python -m postmigration init``: a commented ``postmigration.toml`` for the user's own project.

It reads what the project already has: ``supabase/config.toml`` (the Supabase CLI's file: its
``[storage.buckets.NAME]`` and ``[functions.NAME]`` tables), the function folders under
``supabase/functions/`` and the migrations under ``supabase/migrations/``. Every key, password
and URL is a ``${VAR}`` reference; ``.env.example`` beside the file lists those variables with
empty values. Nothing existing is overwritten without ``--force``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmigration.app_profile import (
    DEFAULT_BUCKET_SPECS,
    DEFAULT_EXTENSIONS,
    DEFAULT_FUNCTION_NAMES,
    DEFAULT_SMOKE_FUNCTIONS,
    DEFAULT_TABLES,
)
from postmigration.config import read_toml
from postmigration.errors import MalformedConfigError
from postmigration.storage import BucketSpec

__all__ = ["ENV_VARIABLES", "SupabaseProject", "read_project", "render_config", "write_init"]

# Every variable the written file refers to, in the order .env.example lists them.
ENV_VARIABLES = (
    ("NEW_SUPABASE_URL", "the new project's API URL, e.g. https://<ref>.supabase.co"),
    ("NEW_SUPABASE_ANON_KEY", "Project Settings > API keys: anon (public)"),
    ("NEW_SUPABASE_SERVICE_ROLE_KEY", "Project Settings > API keys: service_role (secret)"),
    ("NEW_SUPABASE_DB_URL", "postgresql://postgres:PASSWORD@HOST:5432/postgres"),
    ("NEW_SITE_URL", "where the web app is served after the move"),
    ("OLD_SUPABASE_URL", "the server you migrated from (for --compare-to=old)"),
    ("OLD_SUPABASE_ANON_KEY", ""),
    ("OLD_SUPABASE_SERVICE_ROLE_KEY", ""),
    ("OLD_SUPABASE_DB_URL", ""),
    ("QA_ADMIN_EMAIL", "test accounts the suite signs in as (they exist on old and new)"),
    ("QA_ADMIN_PASSWORD", ""),
    ("QA_USER_EMAIL", ""),
    ("QA_USER_PASSWORD", ""),
    ("QA_INVITEE_EMAIL", ""),
    ("QA_INVITEE_PASSWORD", ""),
    ("RESEND_API_KEY", "reads back the invitee's email from Resend"),
)

# The Supabase CLI reads sizes with go-units' RAMInBytes: "50MiB", "5MB", "500KB"; all binary.
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgtp])?i?b?\s*$", re.IGNORECASE)
_UNITS = {None: 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Function:
    """An edge function of the project and what the CLI's config says of it."""

    name: str
    verify_jwt: bool | None = None


@dataclass(frozen=True)
class SupabaseProject:
    """What ``init`` read from a project's ``supabase/`` folder (None: there is none)."""

    supabase_dir: Path | None
    buckets: Mapping[str, BucketSpec]
    functions: tuple[Function, ...]
    migrations: int


def size_in_bytes(value: Any, where: str) -> int:
    """``"50MiB"`` -> 52428800, as the Supabase CLI reads ``file_size_limit``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if match is None:
        raise MalformedConfigError(
            f'{where} file_size_limit {value!r} is not a size (write e.g. "50MiB" or "500KB")'
        )
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * _UNITS[unit])


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise MalformedConfigError(f"{where}: [{key}] must be a table")
    return value


def _buckets(config: Mapping[str, Any], where: str) -> dict[str, BucketSpec]:
    storage = _table(config, "storage", where)
    buckets = _table(storage, "buckets", where)
    specs: dict[str, BucketSpec] = {}
    for name, table in buckets.items():
        here = f"{where}: [storage.buckets.{name}]"
        if not isinstance(table, dict):
            raise MalformedConfigError(f"{here} must be a table")
        public = table.get("public", False)
        if not isinstance(public, bool):
            raise MalformedConfigError(f"{here} public must be true or false")
        limit = table.get("file_size_limit")
        mimes = table.get("allowed_mime_types")
        if mimes is not None and (
            not isinstance(mimes, list) or not all(isinstance(m, str) for m in mimes)
        ):
            raise MalformedConfigError(f"{here} allowed_mime_types must be a list of strings")
        specs[name] = BucketSpec(
            public,
            size_in_bytes(limit, here) if limit is not None else None,
            tuple(mimes) if mimes else None,
        )
    return specs


def _functions(config: Mapping[str, Any], functions_dir: Path, where: str) -> tuple[Function, ...]:
    """Functions named in ``[functions.NAME]`` (unless disabled) and folders with an index.ts."""
    found: dict[str, Function] = {}
    if functions_dir.is_dir():
        for folder in sorted(functions_dir.iterdir()):
            if folder.name[0] not in "_." and (folder / "index.ts").is_file():
                found[folder.name] = Function(folder.name)
    for name, table in _table(config, "functions", where).items():
        here = f"{where}: [functions.{name}]"
        if not isinstance(table, dict):
            raise MalformedConfigError(f"{here} must be a table")
        verify_jwt = table.get("verify_jwt")
        if verify_jwt is not None and not isinstance(verify_jwt, bool):
            raise MalformedConfigError(f"{here} verify_jwt must be true or false")
        if table.get("enabled", True) is False:
            found.pop(name, None)
            continue
        found[name] = Function(name, verify_jwt)
    return tuple(found[name] for name in sorted(found))


def read_project(project: Path) -> SupabaseProject:
    """Read ``project/supabase``; a malformed config.toml raises ConfigError (one line)."""
    supabase = project / "supabase"
    if not supabase.is_dir():
        return SupabaseProject(None, {}, (), 0)
    config_file = supabase / "config.toml"
    config = read_toml(config_file) if config_file.is_file() else {}
    where = "supabase/config.toml"
    migrations = supabase / "migrations"
    count = len(list(migrations.glob("*.sql"))) if migrations.is_dir() else 0
    return SupabaseProject(
        supabase,
        _buckets(config, where),
        _functions(config, supabase / "functions", where),
        count,
    )


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _bucket_line(name: str, spec: BucketSpec) -> str:
    parts = [f"public = {'true' if spec.public else 'false'}"]
    if spec.file_size_limit is not None:
        parts.append(f"file_size_limit = {spec.file_size_limit}")
    if spec.allowed_mime_types:
        parts.append(f"allowed_mime_types = {_list(spec.allowed_mime_types)}")
    return f"{_key(name)} = {{ {', '.join(parts)} }}"


_TARGETS = """\
# postmigration.toml: the post-migration GO / NO-GO gate's settings for this project.
# Written by `python -m postmigration init`. No secret lives here: every ${VAR} is read from
# the environment or from .env beside where you run pytest (.env.example lists them all).
# Next: fill in .env, then `python -m postmigration check --target=new` (seconds), then
# `pytest -m postmigration --target=new --compare-to=old` (the gate).

[targets.new]                               # the server you moved to
supabase_url = "${NEW_SUPABASE_URL}"
# The legacy keys (JWTs); with the new keys write publishable_key = "${NEW_SUPABASE_PUBLISHABLE_KEY}"
# (sb_publishable_…) and secret_key = "${NEW_SUPABASE_SECRET_KEY}" (sb_secret_…) instead, or too.
anon_key = "${NEW_SUPABASE_ANON_KEY}"
service_role_key = "${NEW_SUPABASE_SERVICE_ROLE_KEY}"
db_url = "${NEW_SUPABASE_DB_URL}"           # schema, policy, migration and parity checks need it
site_url = "${NEW_SITE_URL}"                # where the web app is served
read_only = false                           # true: no check that writes data runs
# old_origins = ["https://old.example.com"]  # stored URLs must not name these (or NEW_OLD_ORIGINS)
# function-secrets and auth-config read both projects' function secrets (names, digests) and
# auth configuration with a personal access token (sbp_…); without it they are not verified:
# management_token = "${SUPABASE_ACCESS_TOKEN}"

[targets.new.inbox]                         # where the invitee's messages are read back
email = "resend"
resend_api_url = "https://api.resend.com"
resend_api_key = "${RESEND_API_KEY}"
# or a real mailbox: imap_url = "${QA_INBOX_IMAP_URL}"   (imaps://user:password@host/INBOX)

[targets.old]                               # the server you moved from, for --compare-to=old
supabase_url = "${OLD_SUPABASE_URL}"
anon_key = "${OLD_SUPABASE_ANON_KEY}"
service_role_key = "${OLD_SUPABASE_SERVICE_ROLE_KEY}"
db_url = "${OLD_SUPABASE_DB_URL}"
# management_token = "${SUPABASE_ACCESS_TOKEN}"

# Test accounts of your app (present on old, so moved to new with the dump).
[accounts.admin]
email = "${QA_ADMIN_EMAIL}"
password = "${QA_ADMIN_PASSWORD}"
[accounts.user]
email = "${QA_USER_EMAIL}"
password = "${QA_USER_PASSWORD}"
[accounts.invitee]
email = "${QA_INVITEE_EMAIL}"
password = "${QA_INVITEE_PASSWORD}"
# phone = "+15550100003"                    # for the WhatsApp invitation check
"""


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()


def _reference_hints() -> list[str]:
    """The reference app's values for what init cannot read from a project, commented out."""
    return [
        f"# tables = {_list(DEFAULT_TABLES)}",
        f"# required_extensions = {_list(DEFAULT_EXTENSIONS)}",
        f"# smoke_functions = {_list(DEFAULT_SMOKE_FUNCTIONS)}"
        "   # called with a dummy body, must answer 2xx",
        "# [app.table_names]                       # your table for each role the checks know",
        '# courses = "courses"',
        "# [app.function_names]                    # your function for each role the checks know",
        *(f"# {role} = {json.dumps(name)}" for role, name in DEFAULT_FUNCTION_NAMES.items()),
        "# [app.routes] and [app.selectors]: your web app's pages and controls (see README)",
    ]


def _skeleton_app() -> list[str]:
    lines = [
        "",
        "# No supabase/ folder was found, so [app] describes nothing of yours yet: every key",
        "# below is the reference app's default, commented out. Uncomment and set your own.",
        "# [app]",
        '# migrations_dir = "supabase/migrations"  # relative to this file',
        '# functions_dir = "supabase/functions"',
        f"# functions = {_list(list(DEFAULT_FUNCTION_NAMES.values()))}",
        *_reference_hints(),
        "# [app.buckets]",
    ]
    lines += [f"# {_bucket_line(name, spec)}" for name, spec in DEFAULT_BUCKET_SPECS.items()]
    return lines


def _project_app(project: SupabaseProject, supabase: Path, base: Path) -> list[str]:
    lines = [
        "",
        "# Your app, as read from supabase/ by `postmigration init`. Keys left commented are the",
        "# reference app's defaults, which init cannot read from your project: set yours.",
        "[app]",
        f"migrations_dir = {json.dumps(_relative(supabase / 'migrations', base))}"
        f"   # {project.migrations} migration(s) found; relative to this file",
        f"functions_dir = {json.dumps(_relative(supabase / 'functions', base))}",
        f"policies_snapshot = {json.dumps(_relative(supabase / 'policies.snapshot.json', base))}"
        "   # used without --compare-to; write it with"
        " `python -m postmigration.db.snapshot --db-url ... --out ...`",
        f"schema_snapshot = {json.dumps(_relative(supabase / 'schema.snapshot.json', base))}"
        "   # grants and schema compared without --compare-to; write it with"
        " `python -m postmigration.db.snapshot --db-url ... --schema-out ...`",
        'supabase_config = ""   # auth settings and configuration compared without --compare-to:'
        f" set {json.dumps(_relative(supabase / 'config.toml', base))} only if you apply it to"
        " the project with `supabase config push`",
    ]
    if project.functions:
        lines.append(f"functions = {_list([f.name for f in project.functions])}")
        for function in project.functions:
            if function.verify_jwt is not None:
                lines.append(
                    f"#   {function.name}: verify_jwt = "
                    f"{'true' if function.verify_jwt else 'false'} in supabase/config.toml"
                )
    else:
        lines.append(
            "# functions = []   # none found (no [functions.NAME] and no supabase/functions/*/index.ts)"
        )
    lines += _reference_hints()
    if project.buckets:
        lines.append("[app.buckets]                             # from [storage.buckets.*]")
        lines += [_bucket_line(name, spec) for name, spec in project.buckets.items()]
    else:
        lines.append(
            "# [app.buckets]   # supabase/config.toml declares none; list yours, e.g. avatars = true"
        )
    return lines


def render_config(project: SupabaseProject, output_dir: Path) -> str:
    """The commented ``postmigration.toml``; paths are relative to ``output_dir``."""
    if project.supabase_dir is None:
        app = _skeleton_app()
    else:
        app = _project_app(project, project.supabase_dir, output_dir)
    return _TARGETS + "\n".join(app) + "\n"


def render_env_example() -> str:
    """``.env.example``: every variable the config refers to, with an empty value."""
    lines = ["# Copy to .env and fill in; never commit .env. Real environment variables win."]
    for name, note in ENV_VARIABLES:
        if note:
            lines.append(f"# {note}")
        lines.append(f"{name}=")
    return "\n".join(lines) + "\n"


def write_init(project: Path, output: Path, *, force: bool) -> tuple[int, str]:
    """Write the config and ``.env.example``; returns (exit code, the one line to print).

    Raises ConfigError (MalformedConfigError when malformed) when supabase/config.toml cannot be read.
    """
    env_example = output.parent / ".env.example"
    if not force:
        for path in (output, env_example):
            if path.exists():
                return (
                    1,
                    f"init: {path} already exists; not overwritten (use --force to replace it)",
                )
    if not project.is_dir():
        return 2, f"init: --project {project} is not a directory"
    found = read_project(project)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_config(found, output.parent), encoding="utf-8")
    env_example.write_text(render_env_example(), encoding="utf-8")
    if found.supabase_dir is None:
        return 0, (
            f"init: no supabase/ folder in {project}: wrote {output} as a skeleton "
            "(the reference app's [app] defaults commented out) and .env.example"
        )
    return 0, (
        f"init: wrote {output} ({len(found.buckets)} bucket(s), {len(found.functions)} "
        f"function(s), {found.migrations} migration(s) from {found.supabase_dir}) and "
        f"{env_example.name}; fill in .env, then run `python -m postmigration check --target=new`"
    )
