"""Fixtures shared by the project's own tests: one real stand-in stack per test session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reference.stack.runner import StackProcess


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
