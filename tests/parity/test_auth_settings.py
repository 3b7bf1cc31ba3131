"""Auth settings: the Auth service on new is configured as on old."""

from __future__ import annotations

import pytest

from postmigration import auth_settings
from postmigration.comparison import require_comparison
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("auth-settings")]


def test_auth_settings_equal_old(
    target: Target, comparison_target: Target | None, evidence: Evidence
) -> None:
    """GET /auth/v1/settings: the same providers enabled, sign-up, email and phone
    autoconfirm and SMS provider on new as on old."""
    old_target = require_comparison(comparison_target, "auth settings")
    new = auth_settings.fetch_settings(target)
    old = auth_settings.fetch_settings(old_target)
    enabled = sorted(k for k, v in (new.get("external") or {}).items() if v)
    evidence.text("providers enabled on new", ", ".join(enabled) or "none")
    fail_on(auth_settings.settings_differences(new, old), "auth settings differ from old")
