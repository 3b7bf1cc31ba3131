"""Post-migration: "Create course, module, lesson (admin)" — and only an admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Target
from postmigration.refusals import Refused, attempt

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("admin-course")]


def test_a_non_admin_cannot_create_a_course(
    target: Target, signed_in: Callable[[str], Client], created: Created, app_profile: AppProfile
) -> None:
    """A signed-in user who is not an admin is refused by RLS (42501 with PostgreSQL's
    "violates row-level security policy"; a 42501 "permission denied", a lost grant, is not
    RLS and fails)."""
    target.require_writable()
    courses = app_profile.table("courses")
    user = signed_in("user")
    title = created.label("course by a non-admin")
    # Registered before the attempt: should RLS let it through, the course and what the app's
    # triggers log about it are removed at the end of the run like everything else.
    created.row(app_profile.table("admin_logs"), title, column="details->>title")
    created.row(courses, title, column="title")
    answer = attempt(user.table(courses).insert({"title": title}).execute)
    if isinstance(answer, Refused):
        if answer.code != "42501" or "row-level security" not in answer.message:
            pytest.fail(
                f"a non-admin's course insert failed, but not as RLS refuses it: "
                f"{answer.code}: {answer.message} (expected 42501, row-level security; "
                '"permission denied" is a lost grant, which refuses admins too)',
                pytrace=False,
            )
        return
    pytest.fail(
        f"a NON-ADMIN created a course on {target.name}: RLS on {courses} lets any signed-in "
        "user insert (the admin-only insert policy is missing or wrong)",
        pytrace=False,
    )
