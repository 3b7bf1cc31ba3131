"""Auth configuration: custom SMTP, email templates and auth hooks on new as on old.

Read from the Management API (`GET /v1/projects/{ref}/config/auth`) on both sides: the part of
the Auth service's configuration `/auth/v1/settings` does not show and the dashboard holds.
"""

from __future__ import annotations

import httpx
import pytest

from postmigration import auth_config
from postmigration.comparison import require_comparison
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.management import read_or_skip
from postmigration.origins import old_origins
from postmigration.parity import origin_moves

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("auth-config")]


def test_smtp_templates_and_hooks_equal_old(
    http: httpx.Client, target: Target, comparison_target: Target | None, evidence: Evidence
) -> None:
    """Old's custom SMTP (host, port, user, sender) is set on new; every email subject and
    template and every auth hook setting equals old's once old's origins are rewritten to
    new's; no setting on new names an old origin. Secret-holding settings (SMTP password,
    OAuth and hook secrets) are neither compared nor shown; other differences (rate limits,
    token lifetimes) are listed in the evidence, not judged."""
    old_target = require_comparison(comparison_target, "the auth configuration")
    old = read_or_skip(lambda: auth_config.read_auth_config(http, old_target), old_target)
    new = read_or_skip(lambda: auth_config.read_auth_config(http, target), target)
    moved = origin_moves(target, old_target)
    evidence.text(
        f"auth configuration of new (project {new.ref}) against old (project {old.ref})",
        auth_config.summary(new.values, old.values, moved),
    )
    fail_on(
        auth_config.config_problems(new.values, old.values, moved, old_origins(target, old_target)),
        "the auth configuration on new differs from old",
    )
