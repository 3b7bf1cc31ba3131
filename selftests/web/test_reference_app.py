"""The reference web app in a real Chromium against a real stand-in, through the page objects.

Each test drives the app as a user would and then checks the database through the service role,
so a screen that only looks right cannot pass. Everything created is removed afterwards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from postmigration.pages import (
    AdminCoursesPage,
    AppShowedError,
    DailyMissionPage,
    GoalsPage,
    HomePage,
    InvitesPage,
    LoginPage,
    ProfilePage,
    WeightPage,
)
from reference.stack.runner import StackProcess

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SCREENS = (
    HomePage,
    ProfilePage,
    AdminCoursesPage,
    GoalsPage,
    InvitesPage,
    DailyMissionPage,
    WeightPage,
)
# Problems a user of a screen reader or a role/label locator would hit, found in the DOM.
MARKUP_PROBLEMS = """() => {
  const problems = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label')
      || el.getAttribute('aria-labelledby');
    if (!named) problems.push(`${el.tagName.toLowerCase()} "${el.name}" has no label`);
  }
  for (const b of document.querySelectorAll('button')) {
    if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('a button has no name');
  }
  const h1 = document.querySelectorAll('main h1').length;
  if (h1 !== 1) problems.push(`${h1} h1 headings`);
  return problems;
}"""


def rows(service: httpx.Client, table: str, **params: str) -> list[dict]:
    """Rows of a table as the service role sees them (PostgREST query params)."""
    response = service.get(f"/rest/v1/{table}", params=params)
    assert response.status_code == 200, f"reading {table}: {response.status_code} {response.text}"
    return list(response.json())


def delete_rows(service: httpx.Client, table: str, **filters: str) -> None:
    """Delete rows matching the PostgREST filters (cleanup); fails loudly if refused."""
    response = service.delete(f"/rest/v1/{table}", params=filters)
    assert response.is_success, f"cleaning up {table}: {response.status_code} {response.text}"


def delete_object(service: httpx.Client, public_url: str) -> None:
    """Delete a storage object given its public URL (cleanup)."""
    path = urlsplit(public_url).path.split("/storage/v1/object/public/", 1)[1]
    bucket, _, name = path.partition("/")
    response = service.request("DELETE", f"/storage/v1/object/{bucket}", json={"prefixes": [name]})
    assert response.is_success and response.json(), f"cleaning up {bucket}/{name}: {response.text}"


def restore(service: httpx.Client, table: str, filters: dict[str, str], values: dict) -> None:
    """Put values back on the rows matching the filters (cleanup); fails loudly if refused."""
    response = service.patch(f"/rest/v1/{table}", params=filters, json=values)
    assert response.is_success, f"restoring {table}: {response.status_code} {response.text}"


def user_id(service: httpx.Client, email: str) -> str:
    """The profile id of a seeded account."""
    return rows(service, "profiles", select="id", email=f"eq.{email}")[0]["id"]


@pytest.fixture
def cleanup(service: httpx.Client) -> Iterator[list[Callable[[], None]]]:
    """Undo steps registered by a test, run afterwards whether it passed or not."""
    steps: list[Callable[[], None]] = []
    yield steps
    failures: list[str] = []
    for step in reversed(steps):
        try:
            step()
        except AssertionError as exc:  # keep undoing the rest, then report every failure
            failures.append(str(exc))
    assert not failures, "; ".join(failures)


def test_sign_in_survives_reload_and_signs_out(
    new_page: Callable[[], Page], stack: StackProcess
) -> None:
    """Sign-in lands on home showing the user; a reload keeps the session; sign-out ends it."""
    account = stack.accounts["user"]
    page = new_page()
    login = LoginPage(page, stack.url)
    login.goto()
    login.sign_in(account["email"], account["password"])
    login.expect_signed_in(account["email"])
    home = HomePage(page, stack.url)
    home.expect_ready()
    expect(page).to_have_url(home.url)

    home.reload()
    login.expect_signed_in(account["email"])

    login.sign_out()
    login.expect_signed_out()
    login.expect_ready()
    page.goto(ProfilePage(page, stack.url).url)
    login.expect_ready()  # a signed-in screen sends a signed-out visitor to sign in
    login.expect_signed_out()


def test_selectors_from_the_app_profile_replace_the_defaults(
    new_page: Callable[[], Page], stack: StackProcess
) -> None:
    """Labels given as raw Playwright selectors (an app without usable labels) still work."""
    account = stack.accounts["user"]
    login = LoginPage(
        new_page(),
        stack.url,
        selectors={
            "email_label": "css=input[name=email]",
            "password_label": "css=input[type=password]",
            "sign_in_button": "role=button[name='Sign in']",
        },
    )
    login.goto()
    login.sign_in(account["email"], account["password"])
    login.expect_signed_in(account["email"])


def test_wrong_password_is_refused_with_the_servers_message(
    new_page: Callable[[], Page], stack: StackProcess
) -> None:
    """A wrong password shows GoTrue's own message and leaves the visitor signed out."""
    login = LoginPage(new_page(), stack.url)
    login.goto()
    login.sign_in(stack.accounts["user"]["email"], "not-the-password")
    login.expect_sign_in_refused("Invalid login credentials")


def test_signed_in_page_shows_an_error_for_a_failed_check(
    new_page: Callable[[], Page], stack: StackProcess
) -> None:
    """expect_signed_in fails at once with the app's message, not after a timeout."""
    login = LoginPage(new_page(), stack.url)
    login.goto()
    login.sign_in(stack.accounts["user"]["email"], "not-the-password")
    with pytest.raises(AppShowedError, match="Invalid login credentials"):
        login.expect_signed_in(stack.accounts["user"]["email"], timeout=5_000)


def test_hero_video_plays_and_playlist_follows_the_database(
    new_page: Callable[[], Page], stack: StackProcess, service: httpx.Client
) -> None:
    """The hero video loads and plays; the playlist shows the database's items in order."""
    home = HomePage(new_page(), stack.url)
    home.goto()
    evidence = home.expect_hero_video_playing()
    assert evidence["ready_state"] >= 2 and evidence["later_time"] > evidence["start_time"]
    hero = rows(service, "hero_videos", select="video_url", is_active="eq.true")
    assert evidence["url"] == hero[0]["video_url"]

    expected = rows(service, "playlist_items", select="title,media_url", order="position.asc")
    assert expected, "the seed has no playlist"
    home.expect_playlist([item["title"] for item in expected])
    assert home.playlist_items() == expected


def test_daily_mission_answer_survives_reload(
    signed_in: Callable[[str], Page],
    stack: StackProcess,
    service: httpx.Client,
    run_tag: str,
    cleanup: list[Callable[[], None]],
) -> None:
    """The answer is saved, shown again after a reload, and stored for this user."""
    page = signed_in("user")
    uid = user_id(service, stack.accounts["user"]["email"])
    today = rows(
        service,
        "daily_missions",
        select="id",
        mission_date=f"lte.{date.today().isoformat()}",
        order="mission_date.desc",
        limit="1",
    )[0]["id"]
    mine = {"mission_id": f"eq.{today}", "user_id": f"eq.{uid}"}
    previous = rows(service, "mission_answers", select="answer", **mine)
    if previous:  # put the seeded answer back afterwards
        cleanup.append(lambda: restore(service, "mission_answers", mine, previous[0]))
    else:
        cleanup.append(lambda: delete_rows(service, "mission_answers", **mine))
    mission = DailyMissionPage(page, stack.url)
    mission.goto()
    answer = f"A glass of water every hour ({run_tag})"
    mission.answer(answer)
    mission.expect_answer_saved()
    mission.reload()
    mission.expect_answer_shown(answer)
    stored = rows(service, "mission_answers", select="answer", **mine)
    assert [row["answer"] for row in stored] == [answer]


def test_weight_measurement_appears_in_history_and_report(
    signed_in: Callable[[str], Page],
    stack: StackProcess,
    service: httpx.Client,
    cleanup: list[Callable[[], None]],
) -> None:
    """A new measurement is in the history, and the report counts it as the latest."""
    page = signed_in("user")
    uid = user_id(service, stack.accounts["user"]["email"])
    weight = WeightPage(page, stack.url)
    weight.goto()
    weight.show_report()
    before = weight.expect_report()

    kg = Decimal("68.37")
    weight.add_measurement(kg)
    weight.expect_measurement_added()
    added = rows(
        service,
        "weight_measurements",
        select="id,weight_kg",
        user_id=f"eq.{uid}",
        order="id.desc",
        limit="1",
    )
    cleanup.append(lambda: delete_rows(service, "weight_measurements", id=f"eq.{added[0]['id']}"))
    assert Decimal(str(added[0]["weight_kg"])) == kg
    weight.expect_in_history(kg)

    weight.show_report()
    after = weight.expect_report()
    assert before["count"] is not None and after["count"] == before["count"] + 1
    assert after["latest"] == kg


def test_admin_creates_course_module_and_lesson(
    signed_in: Callable[[str], Page],
    stack: StackProcess,
    service: httpx.Client,
    run_tag: str,
    cleanup: list[Callable[[], None]],
) -> None:
    """Course (with thumbnail) → module → lesson through the UI, linked in the database."""
    page = signed_in("admin")
    admin = AdminCoursesPage(page, stack.url)
    admin.goto()
    course, module, lesson = f"Course {run_tag}", f"Module {run_tag}", f"Lesson {run_tag}"
    logged = {"details->>title": f"like.*{run_tag}", "actor_id": "not.is.null"}
    cleanup.append(lambda: delete_rows(service, "admin_logs", **logged))
    cleanup.append(lambda: delete_rows(service, "courses", title=f"eq.{course}"))
    admin.create_course(course, FIXTURES / "thumbnail.jpg", description="Made by a self-test")
    admin.expect_course_created()
    thumbnail_url = admin.expect_thumbnail_rendered(course)
    cleanup.append(lambda: delete_object(service, thumbnail_url))
    admin.add_module(course, module)
    admin.expect_module_added()
    admin.add_lesson(course, module, lesson)
    admin.expect_lesson_added()
    admin.expect_in_catalogue(course, module, lesson)

    stored = rows(service, "courses", select="id,thumbnail_url", title=f"eq.{course}")
    assert len(stored) == 1 and stored[0]["thumbnail_url"] == thumbnail_url
    modules = rows(service, "course_modules", select="id,title", course_id=f"eq.{stored[0]['id']}")
    assert [m["title"] for m in modules] == [module]
    lessons = rows(service, "lessons", select="title", module_id=f"eq.{modules[0]['id']}")
    assert [row["title"] for row in lessons] == [lesson]
    assert httpx.get(thumbnail_url).content == (FIXTURES / "thumbnail.jpg").read_bytes()
    audit = rows(service, "admin_logs", select="action,entity", order="id.asc", **logged)
    assert [(row["action"], row["entity"]) for row in audit] == [
        ("insert", "courses"),
        ("insert", "course_modules"),
        ("insert", "lessons"),
    ]


def test_non_admin_is_told_the_course_screen_is_for_admins(
    signed_in: Callable[[str], Page], stack: StackProcess
) -> None:
    """A user opening the admin screen gets a plain refusal, not a broken form."""
    admin = AdminCoursesPage(signed_in("user"), stack.url)
    with pytest.raises(AppShowedError, match="Only admins can manage courses"):
        admin.goto()


def test_avatar_upload_renders_and_serves_the_same_bytes(
    signed_in: Callable[[str], Page],
    stack: StackProcess,
    service: httpx.Client,
    cleanup: list[Callable[[], None]],
) -> None:
    """The uploaded avatar renders (naturalWidth > 0) and its public URL serves the fixture."""
    page = signed_in("user")
    uid = user_id(service, stack.accounts["user"]["email"])
    previous = rows(service, "profiles", select="avatar_url", id=f"eq.{uid}")[0]["avatar_url"]
    cleanup.append(
        lambda: restore(service, "profiles", {"id": f"eq.{uid}"}, {"avatar_url": previous})
    )
    profile = ProfilePage(page, stack.url)
    profile.goto()
    profile.upload_avatar(FIXTURES / "avatar.png")
    profile.expect_avatar_saved()
    src = profile.expect_avatar_rendered()
    cleanup.append(lambda: delete_object(service, src))
    assert f"/avatars/{uid}/avatar-" in src
    stored = rows(service, "profiles", select="avatar_url", id=f"eq.{uid}")[0]["avatar_url"]
    assert stored == src
    served = httpx.get(src)
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/png")
    fixture = (FIXTURES / "avatar.png").read_bytes()
    assert hashlib.sha256(served.content).digest() == hashlib.sha256(fixture).digest()
    profile.reload()
    profile.expect_avatar_rendered()


def test_goal_invite_reaches_the_invitees_cards(
    signed_in: Callable[[str], Page],
    stack: StackProcess,
    service: httpx.Client,
    run_tag: str,
    cleanup: list[Callable[[], None]],
) -> None:
    """A goal with an invite is sent by goal-notifications; the invitee sees and accepts the card."""
    invitee = stack.accounts["invitee"]
    title = f"Walk 10k steps {run_tag}"
    cleanup.append(lambda: delete_rows(service, "goals", title=f"eq.{title}"))
    cleanup.append(lambda: delete_rows(service, "notifications", body=f"eq.{title}"))
    goals = GoalsPage(signed_in("user"), stack.url)
    goals.goto()
    goals.create_goal(title, invitee["email"], invitee.get("phone"))
    goals.expect_invite_sent()
    goal = rows(service, "goals", select="id", title=f"eq.{title}")
    invites = rows(
        service, "goal_invites", select="status,invitee_phone", goal_id=f"eq.{goal[0]['id']}"
    )
    assert [i["status"] for i in invites] == ["sent"]

    cards = InvitesPage(signed_in("invitee"), stack.url)
    cards.goto()
    cards.expect_invite_card(title)
    cards.accept_invite(title)
    cards.expect_invite_accepted()
    invites = rows(service, "goal_invites", select="status", goal_id=f"eq.{goal[0]['id']}")
    assert [i["status"] for i in invites] == ["accepted"]


def test_every_screen_is_labelled_and_talks_only_to_the_target(
    signed_in: Callable[[str], Page], stack: StackProcess
) -> None:
    """Each screen loads with labelled controls, named buttons, one h1 and the navigation; every
    request the app makes goes to the configured Supabase URL."""
    page = signed_in("admin")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(stack.url))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for screen in SCREENS:
        view = screen(page, stack.url)
        view.goto()
        problems = page.evaluate(MARKUP_PROBLEMS)
        assert not problems, f"{view.url}: {problems}"
        links = page.get_by_role("navigation", name=view.text("main_navigation")).get_by_role(
            "link"
        )
        assert links.count() >= len(SCREENS) - 1, (
            f"{view.url}: navigation has {links.count()} links"
        )
    elsewhere = sorted({url for url in requested if not url.startswith(origin + "/")})
    assert not elsewhere, f"the app called hosts other than {origin}: {elsewhere}"
    assert any("/rest/v1/" in url for url in requested)


def test_unknown_path_says_page_not_found(
    new_page: Callable[[], Page], stack: StackProcess
) -> None:
    """A path the app does not know gets a plain "not found" message (SPA fallback works)."""
    page = new_page()
    page.goto(f"{stack.url}/no/such/screen")
    expect(page.locator("body")).to_have_attribute("data-app-state", "error")
    expect(page.get_by_role("alert")).to_contain_text("There is no page at /no/such/screen")


def test_a_screen_the_app_does_not_show_says_where_the_app_went(
    new_page: Callable[[], Page], stack: StackProcess
) -> None:
    """A signed-out visit to the profile lands on the sign-in page: goto says so at once (not
    after the heading's timeout), naming the path the app went to and why that matters."""
    profile = ProfilePage(new_page(), stack.url)
    with pytest.raises(AssertionError) as raised:
        profile.goto()
    said = str(raised.value)
    assert said.startswith(
        "the profile screen was not shown: the app went to /login?next=%2Fprofile instead"
    ), said
    assert "did not accept the signed-in session" in said, said


def test_a_sign_in_the_app_does_not_keep_says_so_at_once(
    new_page: Callable[[], Page], stack: StackProcess
) -> None:
    """When the browser cannot verify the new session (its JWKS, or Auth's user endpoint for a
    legacy token, refused), the app lands on its home page signed out: expect_signed_in says
    where it went instead of waiting out its timeout for a sign-out button."""
    page = new_page()
    for path in ("**/auth/v1/.well-known/jwks.json", "**/auth/v1/user"):
        page.route(path, lambda route: route.fulfill(status=404, body="{}"))
    login = LoginPage(page, stack.url)
    login.goto()
    login.sign_in(stack.accounts["user"]["email"], stack.accounts["user"]["password"])
    with pytest.raises(AssertionError) as raised:
        login.expect_signed_in(stack.accounts["user"]["email"])
    said = str(raised.value)
    assert said.endswith("the app went to / signed out (no sign-out button): it did not keep "
                         "the session"), said  # fmt: skip
