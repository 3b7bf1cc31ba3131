"""Grants: the dump is taken `--no-privileges`, so old's grants are carried by a step of their own.

A careful operator dumps old's schema with its privileges (`pg_dump --schema-only`), keeps only
the app schemas' ACL and DEFAULT ACL entries, revokes what the fresh project's default
privileges handed the API roles on the restored objects (so a table old locked down from anon
is locked down again), and restores those entries: new then grants exactly what old grants.
The platform's own grants (auth, storage, extensions) come with the fresh project.
"""

from __future__ import annotations

from pathlib import Path

from .dump import custom_dump
from .faults import Fault
from .pgtools import Server, psql, run_tool
from .restore import archive_entries
from .toc import TocEntry

API_ROLES = ("anon", "authenticated", "service_role")
PLATFORM_SCHEMAS = frozenset({"auth", "storage", "extensions", "supabase_migrations"})


def _schema_of(entry: TocEntry) -> str:
    """The schema an ACL entry belongs to; a schema's own ACL (`- SCHEMA x`) belongs to x."""
    if entry.schema == "-" and entry.tag.startswith("SCHEMA "):
        return entry.tag.removeprefix("SCHEMA ").strip('"')
    return entry.schema


def app_acl_entries(entries: list[TocEntry]) -> list[TocEntry]:
    """The ACL and DEFAULT ACL entries of the app's schemas (not the platform's)."""
    return [
        entry
        for entry in entries
        if entry.kind in ("ACL", "DEFAULT ACL")
        and _schema_of(entry) not in PLATFORM_SCHEMAS | {"-"}
    ]


def carry_privileges(bindir: Path, old: Server, new: Server, state_dir: Path, fault: Fault) -> str:
    """Dump old's privileges, reset the API roles' grants on the app schemas, restore old's."""
    grants_dump = custom_dump(
        "privileges", bindir, old, state_dir / "privileges.dump", "--schema-only"
    )
    entries = app_acl_entries(archive_entries(bindir, grants_dump))
    kept = [entry for entry in entries if fault.privilege_entry(entry)]
    schemas = sorted({_schema_of(entry) for entry in entries})
    reset = fault.grants_reset()
    if reset and schemas:
        targets = ", ".join(f'"{s}"' for s in schemas)
        roles = ", ".join(API_ROLES)
        statements = [
            f"revoke all on all {kind} in schema {targets} from {roles}"
            for kind in ("tables", "sequences", "functions")
        ]
        psql(
            "privileges",
            bindir,
            new,
            "--single-transaction",
            *(arg for statement in statements for arg in ("-c", statement)),
        )
    list_file = state_dir / "privileges.list"
    list_file.write_text("".join(entry.line + "\n" for entry in kept))
    run_tool(
        "privileges",
        bindir,
        "pg_restore",
        [
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            f"--use-list={list_file}",
            str(grants_dump),
        ],
        new,
    )
    line = f"{len(kept)} grant entries of {', '.join(schemas)} restored from old"
    if not reset:
        line += f"; fresh project's grants not revoked first (fault {fault.name})"
    if len(kept) < len(entries):
        line += f"; fault left out {len(entries) - len(kept)}"
    return line
