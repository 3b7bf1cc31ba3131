"""Links are followed, not trusted; a function's smoke call must answer 2xx. Proved by damage.

Each test breaks one thing on the shared clean playbook run (`breakable`), runs the gate on the
relevant test files only, and asserts the item failed naming the damage; new is repaired after.

- A playlist item's stored URL is on new's origin but bounces through old: new's GoTrue
  `/auth/v1/verify` answers 303 to its `redirect_to` (old's verify), which answers 303 back to
  the real file on new. A client that follows redirects gets the 206 and saw nothing wrong.
- The invitee's read policy on goal_invites is lost: the invite link still answers 200 (a
  single-page app answers any path) and the invitations screen still lists the notification's
  card, but the invite link's own screen cannot show the goal.
- The smoke call carries a key new did not sign (old's service role key, as a CI secret left
  over from before the move): the functions router's JWT verification answers 401.
- New's site serves a goals screen that confirms "Invite sent" without calling
  goal-notifications (a deploy that shipped something other than the release): no message
  can arrive, and the gate says the app never called the function.
- The hero video's URL points at a server that accepts the connection and never answers: the
  gate says the video did not load, naming its URL, not a bare browser timeout.
- New's site serves a maintenance page (200) at SITE_URL: app-deploy says the site does not
  serve the app (every request of that page succeeded, so it passed before).
- New's site serves a weight screen that builds the report from the history it loaded, without
  calling weight-report: the numbers are right, and the gate says the app never called it.
- The hero video's URL is on new's origin but redirects to a third origin (the same server
  named `localhost`), which serves the video: it plays, no hop is on old, and the gate says
  where the redirect ends.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from reference.stack.settings import WEB_DIR
from selftests.gate.conftest import ServingPlaybook, damaged, gate_on, query_one, site_patched

INVITEE_POLICY = '"Invitees read invites addressed to them"'


def _bounce(through: str, to: str) -> str:
    """`to`, reached through `through`'s GoTrue verify endpoint (303 to an allowed redirect_to)."""
    return f"{through}/auth/v1/verify?type=magiclink&token=bounce&redirect_to={quote(to, safe='')}"


def test_a_link_bouncing_through_old_and_an_invite_screen_without_the_goal_fail(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """hero-video fails naming the old origin and the hop; goal-invite fails naming the goal
    the invite screen did not show."""
    new, old = breakable.target("new")["supabase_url"], breakable.target("old")["supabase_url"]
    item_id, media_url = query_one(
        breakable,
        "new",
        "select id, media_url from public.playlist_items order by position limit 1",
    )
    bounced = _bounce(new, _bounce(old, media_url))
    breaks = [
        f"update public.playlist_items set media_url = '{bounced}' where id = '{item_id}'",
        f"drop policy {INVITEE_POLICY} on public.goal_invites",
    ]
    repairs = [
        f"update public.playlist_items set media_url = '{media_url}' where id = '{item_id}'",
        f"drop policy if exists {INVITEE_POLICY} on public.goal_invites",
        f"create policy {INVITEE_POLICY} on public.goal_invites for select to authenticated"
        " using (public.is_invitee(invitee_email, invitee_phone))",
    ]
    with damaged(breakable, "new", breaks, repairs):
        run = gate_on(
            breakable,
            tmp_path / "reports",
            "tests/smoke/test_home_media.py",
            "tests/e2e/test_hero_video.py",
            "tests/e2e/test_goal_invite.py",
        )
    hero = run.item("hero-video")
    assert hero["status"] == "failed", run.digest()
    assert f"redirects through the old origin {old} (hop 2 of 3" in hero["reason"], run.digest()
    invite = run.item("goal-invite")
    assert invite["status"] == "failed", run.digest()
    assert "the invite screen did not show the goal" in invite["reason"], run.digest()


def test_a_smoke_call_refused_by_jwt_verification_fails_naming_the_status(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """edge-functions fails naming the 401 and JWT verification, in both of its tests."""
    old_key = str(breakable.target("old")["service_role_key"])
    run = gate_on(
        breakable,
        tmp_path / "reports",
        "tests/edge_functions/test_deploy.py",
        env={"NEW_SUPABASE_SERVICE_ROLE_KEY": old_key},
    )
    item = run.item("edge-functions")
    assert item["status"] == "failed", run.digest()
    for test in item["tests"]:
        assert test["outcome"] == "failed", run.digest()
        assert "goal-notifications was refused by JWT verification (401" in test["message"], (
            run.digest()
        )


# The reference app's call of the function on the goals screen, and what the damaged deploy
# ships in its place: the confirmation then follows without any call.
INVOKE = (
    'const sent = await supabase.functions.invoke("goal-notifications", '
    "{ body: { goal_id: goal.data.id } });"
)
NO_CALL = "const sent = { error: null };"


def test_an_app_that_confirms_an_invite_without_calling_the_function_fails(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """goal-invite fails saying the app said the invite was sent but never called the function,
    not after waiting for an email that cannot come."""
    source = (WEB_DIR / "js" / "goals.js").read_text()
    assert INVOKE in source, "the reference app no longer calls goal-notifications this way"
    with site_patched(breakable, "js/goals.js", source.replace(INVOKE, NO_CALL)):
        run = gate_on(breakable, tmp_path / "reports", "tests/e2e/test_goal_invite.py")
    invite = run.item("goal-invite")
    assert invite["status"] == "failed", run.digest()
    said = "the app said the invite was sent but never called goal-notifications"
    assert said in invite["reason"], run.digest()


@contextlib.contextmanager
def silent_server() -> Iterator[str]:
    """An http origin on 127.0.0.1 that accepts every connection and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for connection in held:
            connection.close()


def test_a_hero_video_whose_server_never_answers_fails_in_words(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """hero-video fails saying the video at its URL did not load (before, the reason was
    Playwright's "Page.wait_for_function: Timeout 15000ms exceeded.")."""
    hero_id, video_url = query_one(
        breakable, "new", "select id, video_url from public.hero_videos where is_active limit 1"
    )
    with silent_server() as origin:
        stalled = f"{origin}/media/hero.webm"
        breaks = [f"update public.hero_videos set video_url = '{stalled}' where id = '{hero_id}'"]
        repairs = [
            f"update public.hero_videos set video_url = '{video_url}' where id = '{hero_id}'"
        ]
        with damaged(breakable, "new", breaks, repairs):
            run = gate_on(breakable, tmp_path / "reports", "tests/e2e/test_hero_video.py")
    hero = run.item("hero-video")
    assert hero["status"] == "failed", run.digest()
    assert hero["reason"].startswith(f"the hero video at {stalled} did not load in 15 s"), (
        run.digest()
    )


MAINTENANCE = (
    "<!doctype html><html><head><title>Back soon</title></head>"
    "<body><h1>We'll be back soon</h1><p>Scheduled maintenance.</p></body></html>"
)


def test_a_maintenance_page_at_site_url_fails_app_deploy(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """app-deploy fails saying SITE_URL does not serve the app, naming the page's title."""
    with site_patched(breakable, "index.html", MAINTENANCE):
        run = gate_on(
            breakable,
            tmp_path / "reports",
            "tests/e2e/test_app_deploy.py::test_site_serves_the_app_and_every_request_succeeds",
        )
    deploy = run.item("app-deploy")
    assert deploy["status"] == "failed", run.digest()
    assert (
        "does not serve the app (a maintenance or placeholder page?): it shows "
        in (deploy["reason"])
        and '"Back soon"' in deploy["reason"]
    ), run.digest()


REPORT_CALL = (
    'const { data, error } = await supabase.functions.invoke("weight-report", { body: {} });'
)
LOCAL_REPORT = (
    "const error = null; const data = { count: rows.length, latest: rows.length ?"
    " { value_kg: rows[0].weight_kg } : null, change_kg: null, avg_7d_kg: null };"
)


def test_a_weight_report_not_from_the_function_fails_weight_report(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """weight-report fails saying the app showed a report without calling the function (its
    numbers matched, so it passed before)."""
    source = (WEB_DIR / "js" / "weight.js").read_text()
    assert REPORT_CALL in source, "the reference app no longer calls weight-report this way"
    with site_patched(breakable, "js/weight.js", source.replace(REPORT_CALL, LOCAL_REPORT)):
        run = gate_on(breakable, tmp_path / "reports", "tests/e2e/test_weight_report.py")
    report = run.item("weight-report")
    assert report["status"] == "failed", run.digest()
    assert report["reason"] == (
        "the app showed a weight report without calling weight-report: "
        "the report did not come from the function"
    ), run.digest()


def test_a_hero_video_redirected_off_the_target_fails_hero_video(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """hero-video fails naming the origin the redirect ends at (only the first URL's origin
    was compared with the target, so it passed before)."""
    new = str(breakable.target("new")["supabase_url"])
    hero_id, video_url = query_one(
        breakable, "new", "select id, video_url from public.hero_videos where is_active limit 1"
    )
    elsewhere = str(video_url).replace("127.0.0.1", "localhost", 1)
    assert elsewhere != video_url, f"the hero video is not on 127.0.0.1: {video_url}"
    third = elsewhere.split("/storage/", 1)[0]
    settings_file = breakable.state_dir / "new" / "auth_settings.json"
    saved = settings_file.read_text()
    allowing = json.loads(saved)
    allowing["uri_allow_list"].append(f"{third}/**")
    breaks = [
        f"update public.hero_videos set video_url = '{_bounce(new, elsewhere)}'"
        f" where id = '{hero_id}'"
    ]
    repairs = [f"update public.hero_videos set video_url = '{video_url}' where id = '{hero_id}'"]
    try:
        settings_file.write_text(json.dumps(allowing))
        with damaged(breakable, "new", breaks, repairs):
            run = gate_on(breakable, tmp_path / "reports", "tests/e2e/test_hero_video.py")
    finally:
        settings_file.write_text(saved)
    hero = run.item("hero-video")
    assert hero["status"] == "failed", run.digest()
    assert f"is served from {third}, not from the target ({new})" in hero["reason"], run.digest()
