"""The gate's run order: the read-only checks of the target as migrated first, then the long
tests (browser flows and tests marked slow), then the short ones, each group in file order."""

from __future__ import annotations

import pytest

TESTS = """
import pytest

def test_short_a(): pass

@pytest.mark.e2e
def test_browser_flow(): pass

@pytest.mark.item("migrations")
def test_migrations(): pass

@pytest.mark.slow
def test_restore(): pass

def test_short_b(): pass

@pytest.mark.item("rls-policies")
@pytest.mark.e2e
def test_policies(): pass
"""


def test_read_only_checks_then_long_tests_then_short_ones(pytester: pytest.Pytester) -> None:
    """Collected in file order, run as: migrations, policies, browser flow, restore, short a, b."""
    pytester.makepyfile(test_order=TESTS)
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:randomly")
    names = [line.split("::")[1] for line in result.outlines if "::" in line]
    assert names == [
        "test_migrations",
        "test_policies",
        "test_browser_flow",
        "test_restore",
        "test_short_a",
        "test_short_b",
    ], result.stdout.str()
