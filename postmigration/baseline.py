"""The new database's data as migrated, captured once before any test writes to it.

Tests create rows while they run (goals, measurements...). Data parity must compare the data the
migration produced, so the controller fingerprints new's tables at session start, before any
test runs, and hands the result to every xdist worker.
"""

from __future__ import annotations

from typing import Any

import pytest

from postmigration import db
from postmigration.config import Target

Baseline = dict[str, db.TableFingerprint | None]


def capture(target: Target, comparison: Target | None) -> Baseline | None:
    """Fingerprints of every table parity compares, or None when parity cannot run."""
    if comparison is None or not target.db_url or not comparison.db_url:
        return None
    try:
        with db.connect(comparison.db_url) as old, db.connect(target.db_url) as new:
            tables = sorted(set(db.compared_tables(old)) | set(db.compared_tables(new)))
            return db.fingerprints(new, tables)
    except db.DatabaseUnreachable:
        return None  # the data-parity test reconnects and reports why


def to_wire(baseline: Baseline | None) -> dict[str, Any] | None:
    """A JSON-safe copy for xdist's workerinput."""
    if baseline is None:
        return None
    return {t: None if f is None else [f.rows, f.checksum] for t, f in baseline.items()}


def from_wire(data: dict[str, Any] | None) -> Baseline | None:
    """The inverse of to_wire."""
    if data is None:
        return None
    return {
        t: None if v is None else db.TableFingerprint(t, int(v[0]), int(v[1]))
        for t, v in data.items()
    }


@pytest.fixture(scope="session")
def data_baseline(pytestconfig: pytest.Config) -> Baseline | None:
    """New's table fingerprints as they were before this run wrote anything (None: not captured)."""
    from postmigration.plugin import state_of

    state = state_of(pytestconfig)
    return None if state is None else state.data_baseline
