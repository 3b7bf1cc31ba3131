"""Backup/restore: the restored database holds old's rows, sequence positions and users'
identities (data-parity; the schema is schema-parity's, test_schema_parity.py)."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.baseline import scopes_on_new
from postmigration.comparison import require_old_db
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.parity import rewrite_plan
from postmigration.watermark import (
    TableScope,
    Watermark,
    compared_rows,
    late_rows_lost,
)

Scopes = dict[str, TableScope]

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("data-parity")]


def test_every_user_has_an_identity(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
) -> None:
    """No more users lack an auth.identities row on new than on old (a user without an
    identity cannot sign in with it)."""
    _, old_db = require_old_db(comparison_target, comparison_db, "auth data parity")
    new, old = db.users_without_identity(target_db), db.users_without_identity(old_db)
    if new > old:
        pytest.fail(
            f"{new} users have no identity in auth.identities on new (old: {old})", pytrace=False
        )


def test_every_table_has_old_rows(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    data_baseline: dict[str, db.TableFingerprint | None] | None,
    cutover_scopes: tuple[Watermark | None, Scopes | None],
    evidence: Evidence,
) -> None:
    """Per table (the app's schemas, auth.users, auth.identities, and auth.mfa_factors where
    both servers have it): same row count and content checksum, computed in the database; URLs
    of the app's own origin compare equal once moved from old's origin to new's. After the
    cutover (with a watermark) only the rows that existed at it are compared: rows created or
    changed on new since then are counted and shown, never counted as drift; and every row
    old took after it (a table's primary key beyond its mark) must be on new, by its key."""
    old_target, old_db = require_old_db(comparison_target, comparison_db, "data parity")
    plan = rewrite_plan(app_profile, target, old_target)
    tables = db.compared_tables(old_db)
    ignore = app_profile.parity_ignore_columns
    watermark, scopes = cutover_scopes
    if watermark is not None and (scopes is None or data_baseline is None):
        scopes = scopes_on_new(target_db, tables, watermark)
        data_baseline = None
    where = None if scopes is None else {t: compared_rows(s) for t, s in scopes.items()}
    old = db.fingerprints(old_db, tables, plan.old_side, ignore, where)
    new = (
        data_baseline
        if data_baseline is not None
        else db.fingerprints(target_db, tables, plan.new_side, ignore, where)
    )
    evidence.text("rows per table (old → new)", _rows_per_table(tables, old, new, scopes))
    if watermark is not None and scopes is not None:
        evidence.text("cutover watermark", _watermark_text(watermark, scopes))
    problems = []
    for table in tables:
        before, after = old[table], new.get(table)
        if before is None or after == before:
            continue
        if after is None and table in db.OPTIONAL_AUTH_TABLES:
            continue
        if after is None:
            problems.append(f"table {table} is missing on new")
            continue
        sample = db.differing_keys(
            target_db,
            old_db,
            table,
            rewrites=plan.old_side.get(table),
            ignore=ignore,
            where=None if where is None else where.get(table),
        )
        hint = f" (e.g. {', '.join(sample)})" if sample else ""
        scope = "" if scopes is None else " up to the cutover watermark"
        if after.rows != before.rows:
            problems.append(
                f"{table} has {after.rows} rows on new but {before.rows} on old{scope}{hint}"
            )
        else:
            problems.append(f"{table} has the same {after.rows} rows but different content{hint}")
    if watermark is not None:
        problems += late_rows_lost(old_db, target_db, watermark, tables)
    fail_on(problems, "data on new differs from old")


def _rows_per_table(
    tables: list[str],
    old: dict[str, db.TableFingerprint | None],
    new: dict[str, db.TableFingerprint | None],
    scopes: Scopes | None,
) -> str:
    lines = []
    for t in tables:
        before, after = old[t], new.get(t)
        line = f"{t}: {before.rows if before else '-'} → {after.rows if after else '-'}"
        scope = (scopes or {}).get(t)
        if scope is not None and (scope.created_after or scope.changed_keys):
            line += (
                f" (+{scope.created_after} created, {len(scope.changed_keys)} changed on new "
                "since the cutover: not compared)"
            )
        lines.append(line)
    return "\n".join(lines)


def _watermark_text(watermark: Watermark, scopes: Scopes) -> str:
    created = sum(s.created_after for s in scopes.values())
    changed = sum(len(s.changed_keys) for s in scopes.values())
    whole = sorted(t for t, s in scopes.items() if s.mark.kind == "whole")
    lines = [
        f"cutover at {watermark.cutover_at} (from {watermark.source})",
        f"live rows on new since the cutover: {created} created, {changed} changed "
        "(counted, not compared)",
    ]
    for table, scope in sorted(scopes.items()):
        mark = scope.mark
        if mark.kind != "whole":
            lines.append(f"{table}: rows with {mark.column} <= {mark.value or '(empty table)'}")
    if whole:
        lines.append(
            "compared whole (no integer key or created_at: a row written there after the "
            "cutover shows as drift): " + ", ".join(whole)
        )
    return "\n".join(lines)


def test_no_sequence_hands_out_old_ids_again(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
) -> None:
    """Each sequence of public on new is at least where old's is: no id old handed out is handed
    out again."""
    _, old_db = require_old_db(comparison_target, comparison_db, "sequence parity")
    fail_on(
        db.sequences_reusing_old_ids(
            db.sequence_positions(target_db), db.sequence_positions(old_db)
        ),
        "sequences on new would hand out ids old already handed out",
    )
