"""Post-migration: "Upload avatar/thumbnail works (public URL loads)", through the app."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.media import bucket_explainer, object_of, off_target_problem, public_url_problems
from postmigration.origins import old_origins
from postmigration.pages import AdminCoursesPage, ProfilePage

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("upload")]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
AVATAR = FIXTURES / "avatar.png"
THUMBNAIL = FIXTURES / "thumbnail.jpg"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _served_problems(
    http: httpx.Client,
    url: str,
    target: Target,
    comparison_target: Target | None,
    fixture: Path,
    content_type: str,
    what: str,
    service_client: Client,
    evidence: Evidence,
) -> list[str]:
    olds = old_origins(target, comparison_target)
    problems = public_url_problems(
        http,
        url,
        old_origins=olds,
        content_type=content_type,
        sha256=_sha256(fixture),
        explain=bucket_explainer(service_client),
        evidence=evidence,
    )
    off = off_target_problem(url, target, olds, what=what)
    return problems + ([off] if off else [])


@pytest.fixture
def expect_served(
    target: Target,
    comparison_target: Target | None,
    service_client: Client,
    created: Created,
    http: httpx.Client,
    evidence: Evidence,
) -> Callable[[str, Path, str, str], None]:
    """``expect_served(url, fixture, content_type, noun)``: the uploaded object is removed after
    the test, and its public URL serves the fixture's bytes and type from the new origin, with
    no redirect through an old origin on the way."""

    def check(url: str, fixture: Path, content_type: str, noun: str) -> None:
        stored = object_of(url)
        if stored:
            created.object(*stored)
        evidence.text(f"{noun} URL", url)
        # The URL is checked over HTTP first: its status says why, where the browser only says no.
        fail_on(
            _served_problems(
                http,
                url,
                target,
                comparison_target,
                fixture,
                content_type,
                f"the {noun}",
                service_client,
                evidence,
            ),
            f"the uploaded {noun} does not load for visitors",
        )

    return check


def test_user_uploads_an_avatar_that_loads_publicly(
    target: Target,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    signed_in: Callable[[str], Client],
    service_client: Client,
    created: Created,
    app_profile: AppProfile,
    expect_served: Callable[[str, Path, str, str], None],
) -> None:
    """The user uploads an avatar; it renders, and its public URL serves the same bytes."""
    target.require_writable()
    profiles = app_profile.table("profiles")
    session = signed_in("user").auth.get_session()
    uid = session.user.id if session else ""
    before = service_client.table(profiles).select("avatar_url").eq("id", uid).execute().data
    created.restore(
        profiles, {"id": uid}, {"avatar_url": before[0]["avatar_url"] if before else None}
    )
    profile = screen(ProfilePage, app_page("user"))
    profile.goto()
    with created.uploads_into(service_client, app_profile.buckets, uid):
        profile.upload_avatar(AVATAR)
        profile.expect_avatar_saved()
    after = service_client.table(profiles).select("avatar_url").eq("id", uid).execute().data
    url = str(after[0]["avatar_url"] or "") if after else ""
    expect_served(url, AVATAR, "image/png", "avatar")
    rendered = profile.expect_avatar_rendered()
    if rendered != url:
        pytest.fail(f"the profile shows {rendered}, not the saved avatar {url}", pytrace=False)


def test_admin_uploads_a_course_thumbnail_that_loads_publicly(
    target: Target,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    service_client: Client,
    created: Created,
    app_profile: AppProfile,
    expect_served: Callable[[str, Path, str, str], None],
) -> None:
    """The admin creates a course with a thumbnail; it renders, and its public URL serves the
    same bytes."""
    target.require_writable()
    title = created.label("thumbnail course")
    created.row(app_profile.table("admin_logs"), title, column="details->>title")
    created.row(app_profile.table("courses"), title, column="title")
    courses = screen(AdminCoursesPage, app_page("admin"))
    courses.goto()
    courses.create_course(title, thumbnail=THUMBNAIL)
    courses.expect_course_created()
    row = (
        service_client.table(app_profile.table("courses"))
        .select("thumbnail_url")
        .eq("title", title)
        .execute()
        .data
    )
    url = str(row[0]["thumbnail_url"] or "") if row else ""
    expect_served(url, THUMBNAIL, "image/jpeg", "course thumbnail")
    rendered = courses.expect_thumbnail_rendered(title)
    if rendered != url:
        pytest.fail(f"the catalogue shows {rendered}, not the saved thumbnail {url}", pytrace=False)
