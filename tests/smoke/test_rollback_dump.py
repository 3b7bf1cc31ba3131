"""Rollback: "Restore DB from last dump" — the dump taken before cutover can be restored."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from postmigration import db
from postmigration.dump import ToolMissing, read_through, tables_with_data
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("rollback-dump")]


def test_dump_holds_every_public_table(
    rollback_dump: Path | None, target_db: psycopg.Connection, evidence: Evidence
) -> None:
    """`pg_restore --list` reads the dump, every data block reads through to the end, and it holds
    table data for every public table of the target."""
    if rollback_dump is None:
        pytest.skip(
            "not verified: no rollback dump given (pass --dump FILE or set dump in the target)"
        )
    if not rollback_dump.is_file():
        pytest.fail(f"the rollback dump {rollback_dump} does not exist", pytrace=False)
    try:
        in_dump = tables_with_data(rollback_dump)
        read_through(rollback_dump)
    except (ValueError, ToolMissing) as exc:
        pytest.fail(str(exc), pytrace=False)
    evidence.text(
        "dump",
        f"{rollback_dump.name}: {rollback_dump.stat().st_size} bytes, data for {len(in_dump)} tables",
    )
    public = [t for t in db.compared_tables(target_db) if t.startswith("public.")]
    fail_on(
        (f"the dump has no data for {t}" for t in public if t not in in_dump),
        f"the rollback dump {rollback_dump.name} cannot restore every table",
    )
