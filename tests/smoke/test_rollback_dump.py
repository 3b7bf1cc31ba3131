"""Rollback: "Restore DB from last dump" — the dump taken before cutover is recent, reads through,
and restores into a scratch database holding what old holds."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from postmigration import db
from postmigration.config import Target
from postmigration.dump import (
    Listing,
    RestoreFailed,
    ToolMissing,
    compare_restored,
    drop_abandoned_scratch,
    read_listing,
    read_through,
    restore,
    restore_server,
    scratch_database,
    scratch_name,
)
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.session import RunConfig
from postmigration.watermark import Watermark, rows_old_held_at_the_cutover

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("rollback-dump")]


def _existing(rollback_dump: Path | None) -> Path:
    if rollback_dump is None:
        pytest.skip(
            "not verified: no rollback dump given (pass --dump FILE or set dump in the target)"
        )
    if not rollback_dump.is_file():
        pytest.fail(f"the rollback dump {rollback_dump} does not exist", pytrace=False)
    return rollback_dump


def _age_words(hours: float) -> str:
    seconds = hours * 3600
    if seconds < 120:
        return f"{seconds:.0f} s"
    if hours < 2:
        return f"{seconds / 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


@pytest.mark.slow
def test_dump_is_recent_and_holds_every_public_table(
    rollback_dump: Path | None, target: Target, target_db: psycopg.Connection, evidence: Evidence
) -> None:
    """The archive's own header says it is younger than `dump_max_age_hours`; every data block
    reads through to the end; it holds table data for every public table of the target."""
    dump = _existing(rollback_dump)
    try:
        listing = read_listing(dump)
        age = listing.age_hours()
        if age is None:
            pytest.fail(f"the rollback dump {dump.name} has no creation date", pytrace=False)
        evidence.text(
            "dump",
            f"{dump.name}: {dump.stat().st_size} bytes, {listing.entries} archive entries, "
            f"data for {len(listing.tables_with_data)} tables, created "
            f"{listing.created_at} {listing.zone} ({_age_words(age)} ago)",
        )
        limit = target.dump_max_age_hours
        if age > limit:
            pytest.fail(
                f"the rollback dump {dump.name} is {_age_words(age)} old (created "
                f"{listing.created_at} {listing.zone}); dump_max_age_hours allows {limit:g} h",
                pytrace=False,
            )
        read_through(dump)
    except (ValueError, ToolMissing) as exc:
        pytest.fail(str(exc), pytrace=False)
    public = [t for t in db.compared_tables(target_db) if t.startswith("public.")]
    fail_on(
        (f"the dump has no data for {t}" for t in public if t not in listing.tables_with_data),
        f"the rollback dump {dump.name} cannot restore every table",
    )


@pytest.mark.slow
def test_dump_restores_into_a_scratch_database(
    rollback_dump: Path | None,
    pm_config: RunConfig,
    target: Target,
    target_db: psycopg.Connection,
    comparison_target: Target | None,
    comparison_db: psycopg.Connection | None,
    cutover_scopes: tuple[Watermark | None, object],
    evidence: Evidence,
) -> None:
    """`pg_restore --no-owner --no-privileges` of the whole dump into an empty scratch database
    (`pm_rollback_<run id>`, dropped afterwards; those runs killed mid-restore left, unused
    for over twice the restore's time limit, are dropped first) finishes without one error; with --compare-to,
    every table's row count and content and the schema equal old's (with a cutover watermark,
    the rows old held at it; never the rows of the run-time tables, sessions and logs, which old
    goes on writing); without, every table the dump holds data for and every table data-parity
    compares on new is there (row counts are not compared)."""
    dump = _existing(rollback_dump)
    server = restore_server(pm_config.dump_restore_url, target.db_url)
    if server is None:
        pytest.skip(
            "not configured: rollback-dump restores the dump into a scratch database and "
            f"{target.name}'s database is not on this machine (pass --dump-restore-url, or set "
            f"{target.env_name('dump_restore_url')} or dump_restore_url in [targets.{target.name}])"
        )
    named = "--dump-restore-url" if pm_config.dump_restore_url else f"{target.name}'s server"
    reference = comparison_db if comparison_db is not None else target_db
    reference_name = comparison_target.name if comparison_target is not None else target.name
    name = scratch_name(pm_config.run_id)
    try:
        abandoned = drop_abandoned_scratch(server)
        if abandoned:
            evidence.text(
                "scratch databases killed runs left",
                f"dropped from {db.describe(server)}, unused and older than the longest "
                f"restore: {', '.join(abandoned)}",
            )
        listing = read_listing(dump)
        with scratch_database(server, name) as scratch_url:
            restore(dump, scratch_url, listing)
            with db.connect(scratch_url) as restored:
                watermark = cutover_scopes[0]
                found = compare_restored(
                    restored,
                    reference,
                    listing,
                    reference_name=reference_name,
                    compare_data=comparison_db is not None,
                    where=(
                        rows_old_held_at_the_cutover(comparison_db, watermark)
                        if comparison_db is not None and watermark is not None
                        else None
                    ),
                )
    except db.DatabaseUnreachable as exc:
        pytest.fail(f"cannot restore the dump on {named}: {exc}", pytrace=False)
    except (RestoreFailed, ValueError, ToolMissing) as exc:
        pytest.fail(str(exc), pytrace=False)
    evidence.text(
        "restore",
        f"{dump.name} ({listing.entries} archive entries) restored with pg_restore --no-owner "
        f"--no-privileges into the empty database {name} on {db.describe(server)} ({named}), "
        f"dropped afterwards: {found.summary}{_left_out(listing)}\n\nrows per table:\n{found.rows}",
    )
    fail_on(found.problems, f"the rollback dump {dump.name} does not restore {reference_name}")


def _left_out(listing: Listing) -> str:
    """What the scratch restore could not take, in words (pg_cron lives in one database)."""
    left = listing.one_database_extensions
    if not left:
        return ""
    return (
        f"; left out: extension {', '.join(left)} and its data (a server holds it in one "
        "database only; scheduled-jobs checks the jobs)"
    )
