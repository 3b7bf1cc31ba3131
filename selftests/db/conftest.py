"""The database self-tests' shared connection and their break-then-roll-back helper."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from postmigration import db
from reference.stack.runner import StackProcess


class _Undo(Exception):
    pass


@pytest.fixture(scope="module")
def conn(stack: StackProcess) -> Iterator[psycopg.Connection]:
    """A connection to the session's stand-in database, as its superuser."""
    with db.connect(str(stack.target["db_url"])) as connection:
        yield connection


@contextmanager
def broken(conn: psycopg.Connection, *statements: str) -> Iterator[None]:
    """Apply `statements`, run the block, then roll everything back."""
    try:
        with conn.transaction():
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]
            yield
            raise _Undo
    except _Undo:
        pass
