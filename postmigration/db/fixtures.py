"""Session fixtures: a connection to the target's database and to the comparison target's."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from postmigration.config import Target

from .connection import DatabaseUnreachable, connect


def _open(target: Target) -> psycopg.Connection:
    try:
        return connect(target.require("db_url"))
    except DatabaseUnreachable as exc:
        pytest.fail(f"target {target.name}: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def target_db(target: Target) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the target's database (db_url); not configured: skipped."""
    conn = _open(target)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def comparison_db(comparison_target: Target | None) -> Iterator[psycopg.Connection | None]:
    """A connection to the comparison (old) target's database, or None without --compare-to."""
    if comparison_target is None:
        yield None
        return
    conn = _open(comparison_target)
    yield conn
    conn.close()
