"""Auth configuration: custom SMTP, email templates and auth hooks on new as on old, or,
without old, as the app's supabase/config.toml declares.

Read from the Management API (`GET /v1/projects/{ref}/config/auth`): the part of the Auth
service's configuration `/auth/v1/settings` does not show and the dashboard holds.
"""

from __future__ import annotations

import httpx
import pytest

from postmigration import auth_config
from postmigration.app_profile import AppProfile
from postmigration.comparison import require_declared
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.management import read_or_skip
from postmigration.origins import old_origins
from postmigration.parity import origin_moves
from postmigration.supabase_config import declared_auth_config

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("auth-config")]


def test_smtp_templates_and_hooks_equal_old_or_the_app_s_supabase_config(
    http: httpx.Client,
    target: Target,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Old's custom SMTP (host, port, user, sender) is set on new; every email subject and
    template and every auth hook setting equals old's once old's origins are rewritten to
    new's; no setting on new names an old origin. Without old, the SMTP server, email subjects
    and templates and auth hooks the app's supabase/config.toml sets (only those). Secret-holding
    settings (SMTP password, OAuth and hook secrets) are neither compared nor shown; other
    differences (rate limits, token lifetimes) are listed in the evidence, not judged."""
    if comparison_target is None:
        declared = require_declared(
            declared_auth_config, target, app_profile, "the auth configuration"
        )
        new = read_or_skip(lambda: auth_config.read_auth_config(http, target), target)
        evidence.text(
            f"auth configuration of new (project {new.ref})",
            auth_config.declared_summary(new.values, declared),
        )
        fail_on(
            auth_config.declared_config_problems(new.values, declared),
            f"the auth configuration on new differs from {declared.source}",
        )
        return
    old = read_or_skip(
        lambda: auth_config.read_auth_config(http, comparison_target), comparison_target
    )
    new = read_or_skip(lambda: auth_config.read_auth_config(http, target), target)
    moved = origin_moves(target, comparison_target)
    evidence.text(
        f"auth configuration of new (project {new.ref}) against old (project {old.ref})",
        auth_config.summary(new.values, old.values, moved),
    )
    fail_on(
        auth_config.config_problems(
            new.values, old.values, moved, old_origins(target, comparison_target)
        ),
        "the auth configuration on new differs from old",
    )
