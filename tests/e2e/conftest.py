"""Browser flows: the app's screens as page objects (browser fixtures: ``postmigration.browser``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from postmigration import app_profile as profile_defaults
from postmigration.app_profile import AppProfile
from postmigration.config import Target
from postmigration.pages import ScreenPage

__all__ = ["screen"]

Screen = TypeVar("Screen", bound=ScreenPage)


def _overrides(given: Any, defaults: dict[str, str]) -> dict[str, str]:
    """What the user's [app] table changed; the page objects keep their own defaults otherwise."""
    return {k: v for k, v in dict(given).items() if defaults.get(k) != v}


@pytest.fixture(scope="session")
def screen(target: Target, app_profile: AppProfile) -> Callable[[type[Screen], Any], Screen]:
    """``screen(HomePage, page)`` -> the page object on the target's site, with the profile's
    route and selector overrides."""
    base_url = target.site_url or target.supabase_url
    selectors = _overrides(app_profile.selectors, dict(profile_defaults.DEFAULT_SELECTORS))
    routes = _overrides(app_profile.routes, dict(profile_defaults.DEFAULT_ROUTES))

    def build(kind: type[Screen], page: Any) -> Screen:
        return kind(page, base_url, selectors=selectors, routes=routes)

    return build
