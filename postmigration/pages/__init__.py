"""Playwright page objects, one per screen of the app; names and routes from the app profile.

Each takes a Playwright ``page``, the app's base URL, and optional ``selectors``/``routes``
mappings (the app profile's ``[app.selectors]`` / ``[app.routes]``) over the defaults in
:mod:`postmigration.pages.defaults`, which describe the reference app. Actions are what a user
does; checks are ``expect_*`` methods with a keyword-only ``timeout`` (milliseconds) that wait
through Playwright's ``expect`` or the app's own state, never a sleep.
"""

from __future__ import annotations

from postmigration.pages._base import DEFAULT_TIMEOUT_MS, AppShowedError, ScreenPage
from postmigration.pages.admin_courses import AdminCoursesPage
from postmigration.pages.daily_mission import DailyMissionPage
from postmigration.pages.defaults import DEFAULT_ROUTES, DEFAULT_SELECTORS
from postmigration.pages.goals import GoalsPage, InvitesPage
from postmigration.pages.home import HomePage
from postmigration.pages.login import LoginPage
from postmigration.pages.profile import ProfilePage
from postmigration.pages.weight import WeightPage, WeightReport

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
]
