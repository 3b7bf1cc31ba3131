"""Fixtures and guards for the comparison (old) target: its API client, its buckets, and the
skip when a check has nothing to compare with."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from supabase import Client

from postmigration.clients import supabase_client
from postmigration.config import Target


@pytest.fixture(scope="session")
def comparison_client(comparison_target: Target | None) -> Client | None:
    """A service-role client on the old target, or None without --compare-to."""
    if comparison_target is None:
        return None
    return supabase_client(comparison_target, comparison_target.server_key)


def old_buckets(
    comparison_client: Client | None, comparison_target: Target | None
) -> dict[str, Any] | None:
    """Old's buckets by id (None without --compare-to); an unreachable old server fails the test
    naming it, instead of a bare connection error."""
    if comparison_client is None or comparison_target is None:
        return None
    try:
        return {b.id: b for b in comparison_client.storage.list_buckets()}
    except Exception as exc:  # httpx and storage3 errors alike
        pytest.fail(
            f"cannot list the buckets of the old server {comparison_target.supabase_url} "
            f"to compare with: {type(exc).__name__}: {exc}",
            pytrace=False,
        )


def require_comparison(comparison_target: Target | None, what: str) -> Target:
    """The old target, or skip as not verified: `what` needs something to compare with."""
    if comparison_target is None:
        pytest.skip(
            f"not verified: {what} needs the old server to compare with (pass --compare-to=old)"
        )
    return comparison_target


def require_old_db(
    comparison_target: Target | None, comparison_db: psycopg.Connection | None, what: str
) -> tuple[Target, psycopg.Connection]:
    """The old target and its database, or skip as not verified (see require_comparison)."""
    old = require_comparison(comparison_target, what)
    assert comparison_db is not None  # opened whenever there is an old target
    return old, comparison_db
