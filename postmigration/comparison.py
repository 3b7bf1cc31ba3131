"""Fixtures for the comparison (old) target: its API client, for parity and bucket checks."""

from __future__ import annotations

import pytest
from supabase import Client

from postmigration.clients import supabase_client
from postmigration.config import Target


@pytest.fixture(scope="session")
def comparison_client(comparison_target: Target | None) -> Client | None:
    """A service-role client on the old target, or None without --compare-to."""
    if comparison_target is None:
        return None
    return supabase_client(comparison_target, comparison_target.service_role_key)


def require_comparison(comparison_target: Target | None, what: str) -> Target:
    """The old target, or skip as not verified: `what` needs something to compare with."""
    if comparison_target is None:
        pytest.skip(
            f"not verified: {what} needs the old server to compare with (pass --compare-to=old)"
        )
    return comparison_target
