"""Fixtures every test of the suite builds on (registered by the plugin).

Session scope: ``pm_config``, ``target``, ``comparison_target``, ``accounts``, ``app_profile``,
``run_id``, ``rollback_dump``, ``auth_foundation``. Function scope: ``evidence``. Clients live
in ``clients.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from postmigration.app_profile import AppProfile
from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.foundations import Foundation
from postmigration.redact import Redactor
from postmigration.session import RunConfig

__all__ = [
    "accounts",
    "app_profile",
    "auth_foundation",
    "comparison_target",
    "evidence",
    "pm_config",
    "rollback_dump",
    "run_id",
    "target",
]


@pytest.fixture(scope="session")
def pm_config(pytestconfig: pytest.Config) -> RunConfig:
    """The whole run's configuration: target, comparison target, accounts, app profile, run id."""
    from postmigration.plugin import state_of

    state = state_of(pytestconfig)
    if state is None:
        pytest.fail(
            "no target: run with --target=NAME (or set POSTMIGRATION_TARGET)", pytrace=False
        )
    return state.run


@pytest.fixture(scope="session")
def auth_foundation(pytestconfig: pytest.Config) -> Foundation:
    """The auth foundation as probed at session start (health, and the `user` account's token
    verified against the target's signing keys), shared with xdist workers."""
    from postmigration.plugin import state_of

    state = state_of(pytestconfig)
    foundation = state.foundations.get("auth") if state is not None else None
    if foundation is None:
        pytest.fail("the auth foundation was not probed in this run", pytrace=False)
    return foundation


@pytest.fixture(scope="session")
def target(pm_config: RunConfig) -> Target:
    """The target under test (frozen): supabase_url, keys, db_url, site_url, read_only, inbox."""
    return pm_config.target


@pytest.fixture(scope="session")
def comparison_target(pm_config: RunConfig) -> Target | None:
    """The old server given by --compare-to, or None (parity tests then skip as not configured)."""
    return pm_config.comparison_target


@pytest.fixture(scope="session")
def accounts(pm_config: RunConfig) -> Accounts:
    """Accounts by role (``accounts["admin"]``); a role not configured skips the test."""
    return pm_config.accounts


@pytest.fixture(scope="session")
def app_profile(pm_config: RunConfig) -> AppProfile:
    """Tables, buckets, functions, routes and selectors of the app (defaults: reference app)."""
    return pm_config.app_profile


@pytest.fixture(scope="session")
def run_id(pm_config: RunConfig) -> str:
    """The run's short id (``pm-1a2b3c``): tag everything the test creates with it."""
    return pm_config.run_id


@pytest.fixture(scope="session")
def rollback_dump(pm_config: RunConfig) -> Path | None:
    """The pg_dump archive given by --dump, or None when none was given."""
    return pm_config.dump


@pytest.fixture
def evidence(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Evidence:
    """Attach proof to this test's item: ``.text()``, ``.response()``, ``.image()``, ``.file()``.

    Secrets are scrubbed on the way in. ``evidence.failed`` tells a teardown whether the
    test failed, to keep screenshots and traces only then.
    """
    from postmigration.plugin import EVIDENCE, PHASES, state_of

    state = state_of(pytestconfig)
    redactor = state.run.redactor if state is not None else Redactor()
    report_dir = state.run.report_dir if state is not None else Path("reports")
    node = request.node

    def failed() -> bool:
        phases = node.stash.get(PHASES, {})
        return any(rep.failed for rep in phases.values())

    collected = Evidence(redactor, report_dir / "evidence", failed)
    node.stash[EVIDENCE] = collected
    return collected
