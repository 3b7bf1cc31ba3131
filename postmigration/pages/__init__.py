"""Playwright page objects, one per screen of the app; names and routes from the app profile.

Each takes a Playwright ``page``, the app's base URL, and optional ``selectors``/``routes``
mappings (the app profile's ``[app.selectors]`` / ``[app.routes]``) over the defaults in
:mod:`postmigration.pages.defaults`, which describe the reference app. Actions are what a user
does; checks are ``expect_*`` methods with a keyword-only ``timeout`` (milliseconds) that wait
through Playwright's ``expect`` or the app's own state, never a sleep.

The page objects are imported on first use, so that reading the defaults (the config loader
does) does not import Playwright.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from postmigration.pages.defaults import DEFAULT_ROUTES, DEFAULT_SELECTORS

if TYPE_CHECKING:
    from postmigration.pages._base import DEFAULT_TIMEOUT_MS, AppShowedError, ScreenPage
    from postmigration.pages.admin_courses import AdminCoursesPage
    from postmigration.pages.daily_mission import DailyMissionPage
    from postmigration.pages.goals import GoalsPage, InvitesPage
    from postmigration.pages.home import HomePage
    from postmigration.pages.login import LoginPage, sign_in_origin_problem
    from postmigration.pages.profile import ProfilePage
    from postmigration.pages.weight import WeightPage, WeightReport, report_call_problems

_HOMES = {
    "DEFAULT_TIMEOUT_MS": "_base",
    "AppShowedError": "_base",
    "ScreenPage": "_base",
    "AdminCoursesPage": "admin_courses",
    "DailyMissionPage": "daily_mission",
    "GoalsPage": "goals",
    "InvitesPage": "goals",
    "HomePage": "home",
    "LoginPage": "login",
    "sign_in_origin_problem": "login",
    "ProfilePage": "profile",
    "WeightPage": "weight",
    "WeightReport": "weight",
    "report_call_problems": "weight",
}

__all__ = [
    "DEFAULT_ROUTES",
    "DEFAULT_SELECTORS",
    "DEFAULT_TIMEOUT_MS",
    "AdminCoursesPage",
    "AppShowedError",
    "DailyMissionPage",
    "GoalsPage",
    "HomePage",
    "InvitesPage",
    "LoginPage",
    "ProfilePage",
    "ScreenPage",
    "WeightPage",
    "WeightReport",
    "report_call_problems",
    "sign_in_origin_problem",
]


def __getattr__(name: str) -> Any:
    """Import a page object's module the first time the page object is asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
