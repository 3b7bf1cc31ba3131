"""Fixtures for the comparison (old) target: its API client, for parity and bucket checks."""

from __future__ import annotations

from typing import Any

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
