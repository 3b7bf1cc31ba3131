"""Connecting to a target's database with a bounded wait and a one-line reason on failure."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg


class DatabaseUnreachable(Exception):
    """The target's database refused or did not answer; the message says which and why."""


def describe(db_url: str) -> str:
    """`host:port/dbname` of a DB URL, with no user or password."""
    parts = urlsplit(db_url)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path or '/postgres'}"


def connect(db_url: str, *, timeout_s: int = 10) -> psycopg.Connection:
    """An autocommit connection to `db_url`, or DatabaseUnreachable naming host and cause."""
    try:
        conn = psycopg.connect(db_url, autocommit=True, connect_timeout=timeout_s)
    except psycopg.ProgrammingError:
        # libpq could not parse it; its message quotes the string, password and all.
        raise DatabaseUnreachable(
            "the database URL is not a connection string libpq understands (expected"
            " postgresql://USER:PASSWORD@HOST:PORT/DBNAME)"
        ) from None
    except psycopg.OperationalError as exc:
        lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
        cause = lines[-1] if lines else type(exc).__name__
        if cause.startswith("Is the server running") and len(lines) > 1:
            # libpq's hint follows the cause ("... failed: Connection refused")
            cause = lines[-2].rsplit(" failed: ", 1)[-1] + " (is the server running there?)"
        cause = cause.split(": FATAL:", 1)[-1].strip()
        raise DatabaseUnreachable(
            f"cannot connect to the database at {describe(db_url)}: {cause}"
        ) from None
    conn.execute("set statement_timeout = '120s'")
    # Rows checksummed as text (URL tables, types without a hash function) render timestamptz in
    # the session's zone: both servers must render them the same way.
    conn.execute("set timezone = 'UTC'")
    return conn
