"""Fixtures shared by the project's own tests: one real stand-in stack per test session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reference.stack.runner import StackProcess

# The longest files, first: under `-n 3 --dist loadfile --no-loadscope-reorder` (scripts/test.sh)
# each CI worker starts on one matrix shard at once, so the shards run side by side from the
# start and balance each other (--share), and the short files fill in at the end. xdist's own
# default order (most tests first) put these one-test files last.
LONGEST_FIRST = (
    "selftests/gate/test_matrix_shard_1.py",
    "selftests/gate/test_matrix_shard_2.py",
    "selftests/gate/test_matrix_shard_3.py",
    "selftests/gate/test_flake_check.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Put the files of LONGEST_FIRST first, in that order; the rest keep theirs."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A running stand-in project (fresh state, seeded), stopped at the end of the session."""
    state = Path(tmp_path_factory.mktemp("stack"))
    with StackProcess(state) as running:
        yield running


@pytest.fixture(scope="session")
def supabase_url(stack: StackProcess) -> str:
    """The stand-in's base URL."""
    return stack.url


@pytest.fixture(scope="session")
def anon_key(stack: StackProcess) -> str:
    """The stand-in's anon API key."""
    return str(stack.target["anon_key"])


@pytest.fixture(scope="session")
def service_role_key(stack: StackProcess) -> str:
    """The stand-in's service_role API key."""
    return str(stack.target["service_role_key"])


@pytest.fixture(scope="session")
def jwt_secret(stack: StackProcess) -> str:
    """The stand-in's JWT secret, to mint tokens (expired, foreign, other roles) it must judge."""
    return str(json.loads((stack.state_dir / "secrets.json").read_text())["jwt_secret"])


@pytest.fixture(scope="session")
def accounts(stack: StackProcess) -> dict[str, dict[str, str]]:
    """The seeded accounts: admin, user, invitee (email, password, phone)."""
    return stack.accounts
