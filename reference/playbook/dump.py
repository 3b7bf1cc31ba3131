"""Database backup: `pg_dump --no-owner --no-privileges --format=custom` of old."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .pgtools import Server, run_tool


def custom_dump(step: str, bindir: Path, old: Server, path: Path, *flags: str) -> Path:
    """`pg_dump --no-owner --format=custom` of old with `flags` into `path` (replaced)."""
    path.unlink(missing_ok=True)
    run_tool(
        step,
        bindir,
        "pg_dump",
        ["--no-owner", *flags, "--format=custom", f"--file={path}"],
        old,
    )
    return path


def dump(bindir: Path, old: Server, state_dir: Path, now: datetime | None = None) -> Path:
    """Dump old's database to `state_dir/backup_<YYYYmmdd_HHMM>.dump` (kept for rollback)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d_%H%M")
    return custom_dump("dump", bindir, old, state_dir / f"backup_{stamp}.dump", "--no-privileges")
