"""Auth redirects: new's Auth honours the app's callbacks (checked on new alone, so at night and
without --compare-to too)."""

from __future__ import annotations

import pytest

from postmigration import auth_settings
from postmigration.app_profile import AppProfile
from postmigration.config import Target
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("auth-redirects")]


def test_sign_in_links_land_on_the_app_callbacks(target: Target, app_profile: AppProfile) -> None:
    """A sign-in link with `redirect_to` set to each of the app's callbacks ([app]
    auth_redirect_urls) redirects there on new, not to the Site URL fallback (probed with a
    token that cannot exist: nothing is written, no email is sent)."""
    fail_on(
        auth_settings.redirect_problems(target, app_profile.auth_redirect_urls),
        "sign-in links do not return to the app",
    )
