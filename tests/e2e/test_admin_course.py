"""Post-migration: "Create course, module, lesson (admin)", through the app."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.pages import AdminCoursesPage

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("admin-course")]


def _one(client: Client, table: str, column: str, value: str, what: str) -> dict[str, Any]:
    rows = client.table(table).select("*").eq(column, value).execute().data
    if len(rows) != 1:
        pytest.fail(
            f"{what} is {'missing' if not rows else 'duplicated'} in {table}", pytrace=False
        )
    return dict(rows[0])


def test_admin_creates_course_module_and_lesson(
    target: Target,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    signed_in: Callable[[str], Client],
    created: Created,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Course → module → lesson in the UI; the API shows them linked; admin_logs records each."""
    target.require_writable()
    courses, modules, lessons, logs_table = (
        app_profile.table(role) for role in ("courses", "course_modules", "lessons", "admin_logs")
    )
    course, module, lesson = (created.label(w) for w in ("course", "module", "lesson"))
    for title in (course, module, lesson):
        created.row(logs_table, title, column="details->>title")
    created.row(courses, course, column="title")  # modules and lessons go with it
    page = screen(AdminCoursesPage, app_page("admin"))
    page.goto()
    page.create_course(course, description="Created by the post-migration check")
    page.expect_course_created()
    page.add_module(course, module)
    page.expect_module_added()
    page.add_lesson(course, module, lesson, content="A lesson created by the check")
    page.expect_lesson_added()
    page.expect_in_catalogue(course, module, lesson)

    admin = signed_in("admin")
    course_row = _one(admin, courses, "title", course, f'the course "{course}"')
    module_row = _one(admin, modules, "title", module, f'the module "{module}"')
    lesson_row = _one(admin, lessons, "title", lesson, f'the lesson "{lesson}"')
    problems = []
    if module_row["course_id"] != course_row["id"]:
        problems.append(f'the module "{module}" is not linked to the course "{course}"')
    if lesson_row["module_id"] != module_row["id"]:
        problems.append(f'the lesson "{lesson}" is not linked to the module "{module}"')
    logs = (
        admin.table(logs_table)
        .select("action,entity,entity_id,details")
        .in_("entity_id", [course_row["id"], module_row["id"], lesson_row["id"]])
        .execute()
        .data
    )
    evidence.text(f"{logs_table} rows", "\n".join(map(str, logs)))
    logged = {(r["entity"], r["entity_id"]) for r in logs if r["action"] == "insert"}
    for table, row, title in (
        (courses, course_row, course),
        (modules, module_row, module),
        (lessons, lesson_row, lesson),
    ):
        if (table, row["id"]) not in logged:
            problems.append(f'no {logs_table} row records the creation of "{title}" ({table})')
    fail_on(problems, "the new course is not stored as the app needs it")
