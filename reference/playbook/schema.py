"""Extensions, pending migrations, and the re-run of the storage/policies migration on new."""

from __future__ import annotations

from pathlib import Path

import psycopg

from reference.stack.migrations import applied_versions, apply_pending, migration_files

from .errors import PlaybookError
from .faults import Fault
from .pgtools import Server, psql

REQUIRED_EXTENSIONS = ("pgcrypto", "uuid-ossp")
REAPPLY_FILE = "20250730090000_configure_course_thumbnails_and_admin_logs.sql"


def ensure_extensions(bindir: Path, new: Server, fault: Fault) -> str:
    """`create extension if not exists` for what the migrations need, in schema extensions."""
    for name in REQUIRED_EXTENSIONS:
        psql(
            "extensions",
            bindir,
            new,
            "-c",
            f'create extension if not exists "{name}" with schema extensions',
        )
    for name in fault.extensions_in_public():
        # created where the server puts it by default rather than in Supabase's schema
        psql("extensions", bindir, new, "-c", f'alter extension "{name}" set schema public')
    for name in fault.extensions_lost():
        # the target never had it: the extension and every column default calling it are gone
        psql("extensions", bindir, new, "-c", f'drop extension if exists "{name}" cascade')
    installed = psql(
        "extensions",
        bindir,
        new,
        "--tuples-only",
        "--no-align",
        "-c",
        "select string_agg(extname || ' ' || extversion || ' in ' || extnamespace::regnamespace,"
        " ', ' order by extname) from pg_extension where extname <> 'plpgsql'",
    ).strip()
    return f"installed: {installed or 'none'}"


def apply_pending_migrations(new: Server, migrations_dir: Path) -> str:
    """Run the files of supabase/migrations not yet recorded on new, oldest first."""
    if not migrations_dir.is_dir():
        raise PlaybookError("migrations", f"migrations dir {migrations_dir} does not exist")
    with psycopg.connect(new.url, autocommit=True) as conn:
        applied = apply_pending(conn, migrations_dir)
        recorded = len(applied_versions(conn))
    names = ", ".join(m.path.name for m in applied) or "none"
    return f"{len(applied)} pending applied ({names}); {recorded} recorded"


def reapply_policies(bindir: Path, new: Server, migrations_dir: Path) -> str:
    """Run the buckets/storage-policies migration again (`psql -f`, one transaction)."""
    path = migrations_dir / REAPPLY_FILE
    if path not in [m.path for m in migration_files(migrations_dir)]:
        raise PlaybookError("reapply-policies", f"{path} does not exist")
    psql("reapply-policies", bindir, new, "--single-transaction", "-f", str(path))
    with psycopg.connect(new.url) as conn:
        row = conn.execute(
            "select (select count(*) from storage.buckets),"
            " (select count(*) from pg_policies where schemaname = 'storage')"
        ).fetchone()
    buckets, policies = row if row else (0, 0)
    return f"ran {path.name}: {buckets} buckets, {policies} storage policies"
