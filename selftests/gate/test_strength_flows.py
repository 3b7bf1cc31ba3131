"""The user flows prove they ran on the target, damaged on the shared clean playbook run:

- new's site deployed with old's Supabase URL and key: its sign-in form signs users in against
  old (same accounts, same passwords); login fails naming old's API (it passed: the form only
  showed the user signed in);
- the app's report call refused (a bad token) and the report worked out in the browser from the
  history instead: weight-report fails naming the refused call (it passed: the shown numbers
  were right);
- a weight screen that does not reload its history after adding, for a user who has recorded
  every weight the flow chooses from but one: weight-report fails on the history (it passed
  nearly always: the weight added was already in the stale history);
- a playlist item whose URL names new's storage under another host name: hero-video names the
  origin it is served from (it passed when the playlist check only asked for a 206);
- every sign-in refused by Auth with a 500 (the access token hook's grant lost): login names
  Auth's own words (it quoted only the app's, which supabase-js shows as "{}" for a 5xx);
- and, undamaged, goal-notifications' tests under `-n 2`: the invitee gets one invite email
  per run (each worker sent its own: two).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postmigration.config import Environment, load_accounts, load_target, read_config_file
from postmigration.inbox import email_inbox
from selftests.gate.conftest import (
    ServingPlaybook,
    damaged,
    gate_on,
    item_files,
    query_one,
    site_patched,
)

APP_ROOT = Path(__file__).resolve().parents[2] / "reference" / "web"
REPORT_CALL = 'await supabase.functions.invoke("weight-report", { body: {} });'
REPORT_SHOWN = """    if (error) {
      await msgs.error(error);
      return;
    }
    reportSlot.replaceChildren(reportView(data));"""
FROM_HISTORY = """    const mine = await loadHistory();
    reportSlot.replaceChildren(reportView({ count: mine.length,
      latest: mine.length ? { value_kg: mine[0].weight_kg } : null, change_kg: null }));"""


def test_an_app_deployed_with_old_s_url_fails_login_naming_old(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    old = breakable.target("old")
    deployed = breakable.state_dir / "new" / "web-config.json"
    assert not deployed.exists(), "new's site already has a deployed config: update this damage"
    deployed.write_text(
        json.dumps({"supabaseUrl": old["supabase_url"], "anonKey": old["anon_key"]})
    )
    try:
        run = gate_on(breakable, tmp_path / "report", "tests/e2e/test_login.py")
    finally:
        deployed.unlink()
    login = run.item("login")
    assert login["status"] == "failed", run.digest()
    named = (
        f"the app signed in against {str(old['supabase_url']).rstrip('/')}, not the target's API"
    )
    assert str(login["reason"]).startswith(named), login["reason"]


def test_a_sign_in_auth_refuses_with_a_500_names_auth_s_words_in_login(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The access token hook may not run on new (its EXECUTE grant lost): Auth answers the
    form's sign-in 500, supabase-js shows "{}", and login's reason carries Auth's words."""
    hook = "public.custom_access_token_hook(jsonb)"
    with damaged(
        breakable,
        "new",
        [f"revoke execute on function {hook} from supabase_auth_admin"],
        [f"grant execute on function {hook} to supabase_auth_admin"],
    ):
        run = gate_on(breakable, tmp_path / "report", "tests/e2e/test_login.py")
    login = run.item("login")
    assert login["status"] == "failed", run.digest()
    api = str(breakable.target("new")["supabase_url"]).rstrip("/")
    named = f"Auth at {api} answered 500: Error running hook URI"
    assert named in str(login["reason"]), login["reason"]
    assert "permission denied for function custom_access_token_hook" in str(login["reason"])


def test_a_report_not_from_the_app_s_call_of_the_function_fails_weight_report(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    source = (APP_ROOT / "js" / "weight.js").read_text()
    assert REPORT_CALL in source and REPORT_SHOWN in source, "weight.js changed: update this damage"
    refused = REPORT_CALL.replace(
        "{ body: {} }", '{ body: {}, headers: { Authorization: "Bearer x" } }'
    )
    damaged = source.replace(REPORT_CALL, refused).replace(REPORT_SHOWN, FROM_HISTORY)
    with site_patched(breakable, "js/weight.js", damaged):
        run = gate_on(breakable, tmp_path / "report", *item_files("weight-report"))
    report = run.item("weight-report")
    assert report["status"] == "failed", run.digest()
    assert "the app's call of weight-report was answered 401" in str(report["reason"]), run.digest()


HISTORY_RELOAD = """        rows = await loadHistory();
        historySlot.replaceChildren(historyView(rows));"""
SEEDED = "pm-selftest every weight"
COUNT_WEIGHTS = "select count(*) from public.weight_measurements"


def test_a_history_not_reloaded_after_adding_fails_weight_report(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    source = (APP_ROOT / "js" / "weight.js").read_text()
    assert HISTORY_RELOAD in source and "HISTORY_ROWS = 100;" in source, "update this damage"
    stale = source.replace(HISTORY_RELOAD, "").replace(
        "HISTORY_ROWS = 100;", "HISTORY_ROWS = 5000;"
    )
    # Every weight from 55.00 to 94.99 kg a month ago, but 72.34.
    seed = (
        "insert into public.weight_measurements (user_id, weight_kg, measured_at, created_at,"
        " note) select u.id, (5500 + g) / 100.0, now() - interval '30 days' - g * interval"
        f" '1 minute', now() - interval '30 days', '{SEEDED}' from auth.users u,"
        " generate_series(0, 3999) g where u.email = 'user@lms.test' and g <> 1734"
    )
    before = query_one(breakable, "new", COUNT_WEIGHTS)[0]
    with (
        damaged(
            breakable,
            "new",
            [seed],
            [f"delete from public.weight_measurements where note = '{SEEDED}'"],
        ),
        site_patched(breakable, "js/weight.js", stale),
    ):
        run = gate_on(breakable, tmp_path / "report", "tests/e2e/test_weight_report.py")
    report = run.item("weight-report")
    assert report["status"] == "failed", run.digest()
    assert "72.34 kg is not in the weight history" in str(report["reason"]), run.digest()
    assert run.left_behind() == [], run.left_behind()
    after = query_one(breakable, "new", COUNT_WEIGHTS)[0]
    assert after == before, f"{after - before} weigh-in(s) stayed on new; {run.digest()}"


def test_a_playlist_item_served_from_another_origin_fails_hero_video(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """One playlist item's URL names new's storage under another host name (localhost): the
    bytes stream, but not from the target's origin, which hero-video names (a CDN or a second
    domain the gate cannot vouch for)."""
    first = "(select id from public.playlist_items order by position, created_at limit 1)"
    with damaged(
        breakable,
        "new",
        [
            "update public.playlist_items set media_url = replace(media_url, '//127.0.0.1:',"
            f" '//localhost:') where id = {first}"
        ],
        [
            "update public.playlist_items set media_url = replace(media_url, '//localhost:',"
            " '//127.0.0.1:')"
        ],
    ):
        run = gate_on(breakable, tmp_path / "report", "tests/e2e/test_hero_video.py")
    item = run.item("hero-video")
    assert item["status"] == "failed", run.digest()
    assert "is served from http://localhost:" in str(item["reason"]), item["reason"]
    assert "not from the target" in str(item["reason"]), item["reason"]


@pytest.mark.parametrize(
    ("run_id", "workers"), [("pm-7a1c12", ("-n", "2")), ("pm-7a1c13", ())], ids=["xdist", "alone"]
)
def test_the_invitee_gets_one_invite_per_run(
    breakable: ServingPlaybook, tmp_path: Path, run_id: str, workers: tuple[str, ...]
) -> None:
    """Under -n 2 each worker runs two of goal-notifications' four tests; the invite they
    check is sent once, by the first worker to need it (before, each worker sent its own).
    A run alone sends it once too, though the test that sends it runs with the long tests and
    the other three later, after edge-functions' short tests (the invite is made once per
    process, not once per stretch of its module's tests)."""
    started = datetime.now(UTC) - timedelta(seconds=5)
    run = gate_on(
        breakable,
        tmp_path / "report",
        "tests/edge_functions/test_deploy.py",
        "tests/edge_functions/test_goal_notifications.py",
        f"--run-id={run_id}",
        *workers,
    )
    outcomes = [t["outcome"] for t in run.item("goal-invite")["tests"]]
    assert outcomes.count("passed") == 4, run.digest()
    assert run.left_behind() == [], run.left_behind()
    config = read_config_file(breakable.config_path, "the playbook's config")
    inbox = email_inbox(load_target("new", config, Environment({})))
    assert inbox is not None
    invitee = load_accounts(config, Environment({}))["invitee"]
    # The emails of this run only: each earlier one would be read too, paced to Resend's limit.
    invites = [m for m in inbox.messages(invitee.email, since=started) if run_id in m.body]
    assert len(invites) == 1, f"the invitee got {len(invites)} invites from run {run_id}"
    left = query_one(
        breakable,
        "new",
        "select (select count(*) from public.goals where title like %s),"
        " (select count(*) from public.notifications where body like %s)",
        f"{run_id} %",
        f"{run_id} %",
    )
    assert left == (0, 0), f"run {run_id} left (goals, notifications) {left} on new"
