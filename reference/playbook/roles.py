"""Roles: the app's own roles carried from old to new before the restore, as the guide does it.

A role belongs to the server, so old's dump holds none. The Supabase guide dumps them first
(`supabase db dump --role-only`: `pg_dumpall --roles-only --no-role-passwords`, the platform's
roles left out) and runs that file on new before the schema and the data: old's grants naming
an app role, restored by the privileges step, need it there.
"""

from __future__ import annotations

import re
from pathlib import Path

from .faults import Fault
from .pgtools import Server, psql, run_tool

# The roles a Supabase project has whatever the app, and the server's bootstrap superuser.
PLATFORM_ROLES = frozenset(
    {"postgres", "anon", "authenticated", "service_role", "authenticator", "dashboard_user"}
)
PLATFORM_PREFIXES = ("pg_", "supabase_", "pgsodium_")

_CREATE_OR_ALTER = re.compile(r'^(?:CREATE|ALTER|COMMENT ON) ROLE "?([^" ;]+)"?[ ;]')
_GRANT = re.compile(r'^GRANT "?([^" ]+)"? TO "?([^" ]+)"?( WITH [A-Z ]+ OPTION)?')


def _app_role(name: str) -> bool:
    return name not in PLATFORM_ROLES and not name.startswith(PLATFORM_PREFIXES)


def app_role_statements(roles_dump: str) -> list[str]:
    """The statements of a `pg_dumpall --roles-only` output that make the app's roles: their
    CREATE/ALTER ROLE, and each GRANT of or to one of them (without its GRANTED BY, whose
    grantor new may lack)."""
    kept: list[str] = []
    for line in roles_dump.splitlines():
        created = _CREATE_OR_ALTER.match(line)
        if created and _app_role(created.group(1)):
            kept.append(line)
            continue
        granted = _GRANT.match(line)
        if granted and (_app_role(granted.group(1)) or _app_role(granted.group(2))):
            role, member, option = granted.groups()
            kept.append(f'GRANT "{role}" TO "{member}"{option or ""};')
    return kept


def carry_roles(bindir: Path, old: Server, new: Server, state_dir: Path, fault: Fault) -> str:
    """Dump old's roles, keep the app's, and run them on new (as `psql -f roles.sql`)."""
    done = run_tool("roles", bindir, "pg_dumpall", ["--roles-only", "--no-role-passwords"], old)
    statements = [s for s in app_role_statements(done.stdout) if fault.role_statement(s)]
    roles_file = state_dir / "roles.sql"
    roles_file.write_text("".join(s + "\n" for s in statements))
    if statements:
        psql("roles", bindir, new, "--file", str(roles_file))
    made = sorted({m.group(1) for s in statements if (m := _CREATE_OR_ALTER.match(s))})
    grants = sum(s.startswith("GRANT ") for s in statements)
    return (
        f"{len(made)} app role(s) of old made on new ({', '.join(made) or 'none'}), "
        f"{grants} membership grant(s); list in {roles_file.name}"
    )
