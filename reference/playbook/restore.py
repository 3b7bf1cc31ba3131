"""Restore to new: `pg_restore --no-owner --no-privileges` of old's dump into a fresh project.

What the fresh project already has (see toc.py) is left out of the restore list and logged
to `DIR/restore_skipped.txt`; the rest is restored in one transaction that stops at the
first error, so a partial restore never passes for a complete one. Like Supabase's restore
guide, the session runs with `session_replication_role = replica`.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg

from .errors import PlaybookError
from .faults import Fault
from .pgtools import Server, run_tool
from .toc import CATALOG_SQL, TargetCatalog, TocEntry, parse_toc, split_existing


@dataclass(frozen=True)
class Restored:
    """What the restore did."""

    total: int
    restored: int
    skipped: list[TocEntry]
    left_out_by_fault: list[TocEntry]
    skipped_log: Path

    def summary(self) -> str:
        """One line for the operator."""
        kinds = Counter(entry.kind for entry in self.skipped)
        by_kind = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
        line = (
            f"restored {self.restored} of {self.total} archive entries; skipped {len(self.skipped)}"
            f" the fresh project already has ({by_kind}); list in {self.skipped_log.name}"
        )
        if self.left_out_by_fault:
            line += f"; fault left out {len(self.left_out_by_fault)}"
        return line


def read_catalog(conn: psycopg.Connection) -> TargetCatalog:
    """What the target database already holds, keyed like the archive's tags."""

    def rows(name: str) -> list[tuple[str, ...]]:
        return [tuple(row) for row in conn.execute(CATALOG_SQL[name]).fetchall()]

    return TargetCatalog(
        schemas=frozenset(r[0] for r in rows("schemas")),
        extensions=frozenset(r[0] for r in rows("extensions")),
        relations=frozenset((r[0], r[1]) for r in rows("relations")),
        routines=frozenset((r[0], r[1]) for r in rows("routines")),
        types=frozenset((r[0], r[1]) for r in rows("types")),
        table_scoped=frozenset((r[0], r[1], r[2], r[3]) for r in rows("table_scoped")),
        publications=frozenset(r[0] for r in rows("publications")),
    )


def archive_entries(bindir: Path, dump: Path) -> list[TocEntry]:
    """The archive's table of contents (`pg_restore --list`)."""
    done = subprocess.run(
        [str(bindir / "pg_restore"), "--list", str(dump)], capture_output=True, text=True
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["pg_restore --list failed"])[0]
        raise PlaybookError("restore", f"cannot read {dump.name}: {first}")
    return parse_toc(done.stdout)


def restore(bindir: Path, new: Server, dump: Path, fault: Fault, state_dir: Path) -> Restored:
    """Restore `dump` into new; definitions new already has are skipped and logged."""
    entries = archive_entries(bindir, dump)
    with psycopg.connect(new.url) as conn:
        catalog = read_catalog(conn)
    keep, skipped = split_existing(entries, catalog)
    restored = [entry for entry in keep if fault.restore_entry(entry)]
    left_out = [entry for entry in keep if not fault.restore_entry(entry)]
    list_file = state_dir / "restore.list"
    list_file.write_text("".join(entry.line + "\n" for entry in restored))
    skipped_log = state_dir / "restore_skipped.txt"
    skipped_log.write_text(
        "; already in the fresh project, not restored:\n"
        + "".join(entry.line + "\n" for entry in skipped)
        + (
            f"; left out by fault {fault.name}:\n" + "".join(e.line + "\n" for e in left_out)
            if left_out
            else ""
        )
    )
    run_tool(
        "restore",
        bindir,
        "pg_restore",
        [
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--use-list={list_file}",
            str(dump),
        ],
        new,
        # as Supabase's restore guide does: no FK or trigger fires while the data loads, so
        # auth.identities may arrive before auth.users on tables the fresh project already has
        pgoptions="-c session_replication_role=replica",
    )
    return Restored(len(entries), len(restored), skipped, left_out, skipped_log)


def reload_stopped(bindir: Path, new: Server, dump: Path, table: tuple[str, str]) -> str:
    """Load `table`'s rows again from `dump` into new, data only, with `--disable-triggers` and
    `--exit-on-error`: new already holds them, so the COPY stops at the first one, after the
    table's triggers were disabled and before they are enabled again. A reload that succeeds,
    or leaves the triggers on, did not inject the fault: a PlaybookError."""
    schema, name = table
    try:
        run_tool(
            "by-hand",
            bindir,
            "pg_restore",
            [
                "--data-only",
                "--disable-triggers",
                "--exit-on-error",
                f"--schema={schema}",
                f"--table={name}",
                str(dump),
            ],
            new,
        )
    except PlaybookError as stopped:
        error = stopped.cause
    else:
        raise PlaybookError("by-hand", f"the data-only reload of {schema}.{name} succeeded")
    with psycopg.connect(new.url) as conn:
        off = conn.execute(
            "select count(*) from pg_trigger where tgrelid = %s::regclass and tgenabled = 'D'",
            (f"{schema}.{name}",),
        ).fetchone()
    if not off or not off[0]:
        raise PlaybookError("by-hand", f"the stopped reload left {schema}.{name}'s triggers on")
    return (
        f"reloaded {schema}.{name} data only; pg_restore stopped: {error}; {off[0]} trigger(s)"
        " left disabled"
    )
