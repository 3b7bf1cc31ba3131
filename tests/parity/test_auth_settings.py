"""Auth settings: the Auth service on new is configured as on old, or, without old, as the
app's supabase/config.toml declares."""

from __future__ import annotations

import pytest

from postmigration import auth_settings
from postmigration.app_profile import AppProfile
from postmigration.comparison import require_declared
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.supabase_config import declared_auth_settings

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("auth-settings")]


def test_auth_settings_equal_old_or_the_app_s_supabase_config(
    target: Target, comparison_target: Target | None, app_profile: AppProfile, evidence: Evidence
) -> None:
    """GET /auth/v1/settings: the same providers enabled, sign-up, email and phone
    autoconfirm and SMS provider on new as on old; without old, the sign-up, anonymous,
    email and phone sign-in switches, email confirmations, SMS provider and OAuth providers
    the app's supabase/config.toml sets (only those; phone autoconfirm is never compared)."""
    new = auth_settings.fetch_settings(target)
    enabled = sorted(k for k, v in (new.get("external") or {}).items() if v)
    evidence.text("providers enabled on new", ", ".join(enabled) or "none")
    if comparison_target is not None:
        old = auth_settings.fetch_settings(comparison_target)
        fail_on(auth_settings.settings_differences(new, old), "auth settings differ from old")
        return
    declared = require_declared(declared_auth_settings, target, app_profile, "auth settings")
    evidence.text("compared with", declared.described)
    fail_on(
        auth_settings.declared_differences(new, declared),
        f"auth settings differ from {declared.source}",
    )
