"""What a project carries besides rows, proved by damage on the shared clean playbook run.

One gate run, six breaks on new, each tripping its own item with a reason in the user's words:

- the nightly pg_cron job paused (`cron.alter_job(active := false)`): scheduled-jobs;
- Vault's service_role_key holding old's ciphertext (copied row for row): vault says it does
  not decrypt;
- the goal_invites webhook's trigger disabled: webhooks (and, in runs of their own, enabled only
  for replication, and re-created without its auth headers and with another timeout);
- notifications dropped from supabase_realtime: realtime;
- Google turned off and the app's deep link dropped from the redirect allow-list in new's
  auth settings: auth-settings names the provider, and auth-redirects says where the sign-in
  link landed.

A second gate run, on rls-policies' file: anon let read notifications, and a policy on goals
whose helper function fails: the item names the readable table and lists the failing read. A
third: a custom schema's table whose policy is lost and RLS switched off on new, with RLS
forced on one table's owner on old only and on another's on new only; a fourth, the same of
Realtime Authorization's realtime.messages.

New is repaired afterwards (the next damage test relies on it).
"""

from __future__ import annotations

import json
from pathlib import Path

from selftests.gate.conftest import ServingPlaybook, damaged, gate_on, query_one
from selftests.report_texts import texts_in

FILES = (
    "tests/parity/test_scheduled_jobs.py",
    "tests/parity/test_vault.py",
    "tests/parity/test_webhooks.py",
    "tests/parity/test_realtime.py",
    "tests/parity/test_auth_settings.py",
    "tests/parity/test_auth_redirects.py",
)
JOB = "nightly-goal-reminders"
WEBHOOK = "goal_invites_webhook"
DEEP_LINK = "lmsapp://auth/callback"


def _ciphertext(playbook: ServingPlaybook, side: str, name: str) -> str:
    (secret,) = query_one(playbook, side, "select secret from vault.secrets where name = %s", name)
    return str(secret)


def test_each_carried_part_broken_on_new_fails_its_item(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """scheduled-jobs, vault, webhooks, realtime and auth-settings each fail naming the damage."""
    mine = _ciphertext(breakable, "new", "service_role_key")
    olds = _ciphertext(breakable, "old", "service_role_key")
    settings_file = breakable.state_dir / "new" / "auth_settings.json"
    saved_settings = settings_file.read_text()
    damaged_settings = json.loads(saved_settings)
    damaged_settings["external"]["google"] = False
    damaged_settings["uri_allow_list"].remove(DEEP_LINK)
    breaks = [
        f"select cron.alter_job(jobid, active := false) from cron.job where jobname = '{JOB}'",
        f"update vault.secrets set secret = '{olds}' where name = 'service_role_key'",
        f"alter table public.goal_invites disable trigger {WEBHOOK}",
        "alter publication supabase_realtime drop table public.notifications",
    ]
    repairs = [
        f"select cron.alter_job(jobid, active := true) from cron.job where jobname = '{JOB}'",
        f"update vault.secrets set secret = '{mine}' where name = 'service_role_key'",
        f"alter table public.goal_invites enable trigger {WEBHOOK}",
        "alter publication supabase_realtime add table public.notifications",
    ]
    try:
        settings_file.write_text(json.dumps(damaged_settings))
        with damaged(breakable, "new", breaks, repairs):
            run = gate_on(breakable, tmp_path / "reports", *FILES)
    finally:
        settings_file.write_text(saved_settings)
    expected = {
        "scheduled-jobs": [f'cron job "{JOB}" is inactive on new (active on old)'],
        "vault": ["Vault secret service_role_key does not decrypt on new"],
        "webhooks": [f"webhook {WEBHOOK} on public.goal_invites is disabled on new"],
        "realtime": ["table public.notifications is not in publication supabase_realtime"],
        "auth-settings": ["auth provider google is disabled on new (enabled on old)"],
        "auth-redirects": [
            f"a sign-in link asking for {DEEP_LINK} lands at",
            "add it to the redirect URL allow-list",
        ],
    }
    for item_id, words in expected.items():
        item = run.item(item_id)
        assert item["status"] == "failed", run.digest()
        messages = " ".join(str(test["message"]) for test in item["tests"])
        for word in words:
            assert word in messages, f"{item_id} lacks {word!r}: {messages}"
    assert mine not in run.report_texts() and olds not in run.report_texts()


def test_a_webhook_firing_only_for_replication_fails_webhooks(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The goal_invites webhook's trigger left `ENABLE REPLICA` on new (it fires for a
    replication session alone, never for the app's writes): webhooks fails naming it (it
    stayed green while only a disabled trigger counted)."""
    breaks = [f"alter table public.goal_invites enable replica trigger {WEBHOOK}"]
    repairs = [f"alter table public.goal_invites enable trigger {WEBHOOK}"]
    with damaged(breakable, "new", breaks, repairs):
        run = gate_on(breakable, tmp_path / "reports", "tests/parity/test_webhooks.py")
    item = run.item("webhooks")
    assert item["status"] == "failed", run.digest()
    assert item["reason"] == (
        f"webhooks are not as on old: webhook {WEBHOOK} on public.goal_invites is enabled only "
        "for replication (ENABLE REPLICA) on new: the app's writes do not call it"
    ), run.digest()


def test_a_webhook_re_created_without_its_headers_fails_webhooks(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The goal_invites webhook re-created by hand on new with the right URL but without its
    apikey and Authorization headers and with a 1 s timeout: webhooks names the headers by
    name (never their values) and the timeout (only the URL was compared, so it stayed green)."""
    (definition,) = query_one(
        breakable, "new", "select pg_get_triggerdef(oid) from pg_trigger where tgname = %s", WEBHOOK
    )
    (url,) = query_one(
        breakable,
        "new",
        "select split_part(encode(tgargs, 'escape'), '\\000', 1) from pg_trigger where tgname = %s",
        WEBHOOK,
    )
    drop = f"drop trigger {WEBHOOK} on public.goal_invites"
    by_hand = (
        f"create trigger {WEBHOOK} after insert on public.goal_invites for each row execute"
        f" function supabase_functions.http_request('{url}', 'POST',"
        " '{\"Content-Type\": \"application/json\"}', '{}', '1000')"
    )
    with damaged(breakable, "new", [drop, by_hand], [drop, str(definition)]):
        run = gate_on(breakable, tmp_path / "reports", "tests/parity/test_webhooks.py")
    item = run.item("webhooks")
    assert item["status"] == "failed", run.digest()
    for words in (
        f"webhook {WEBHOOK} on public.goal_invites on new does not send the header(s) apikey, "
        "authorization that old sends",
        f"webhook {WEBHOOK} on public.goal_invites waits 1000 ms on new, 5000 ms on old",
    ):
        assert words in run.output, run.digest()
    assert "Bearer" not in run.report_texts(), "a header's value reached the reports"


def test_extensions_kept_from_anon_on_new_only_fail_extensions(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """anon loses USAGE on schema extensions on new (it has it on old): extensions names the
    functions anon can no longer run (they were probed as authenticated and service_role only,
    and grants leaves the extensions schema to Supabase, so every item stayed green)."""
    breaks = ["revoke usage on schema extensions from anon"]
    repairs = ["grant usage on schema extensions to anon"]
    with damaged(breakable, "new", breaks, repairs):
        run = gate_on(breakable, tmp_path / "reports", "tests/preflight/test_extensions.py")
    item = run.item("extensions")
    assert item["status"] == "failed", run.digest()
    assert item["reason"].startswith(
        "functions the schema relies on do not run: uuid_generate_v4() does not run as anon"
        " (it does on old): function uuid_generate_v4() does not exist"
    ), run.digest()


def test_a_custom_schema_s_lost_policy_and_rls_fail_rls_policies(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """A table of a custom schema (reporting.pm_exports) with row level security and a policy
    on old; on new the policy is lost and RLS is off: rls-policies names both (it compared
    public and storage only, so both stayed green; data-parity does not compare policies).
    Old forces RLS on goals' owner too and new does not, and new forces it on courses where
    old does not: both named (before, FORCE ROW LEVEL SECURITY was compared nowhere)."""
    table = "create table reporting.pm_exports (id bigint primary key, owner uuid)"
    rls = "alter table reporting.pm_exports enable row level security"
    policy = (
        'create policy "own exports" on reporting.pm_exports for select to authenticated'
        " using (owner = auth.uid())"
    )
    dropped = ["drop table if exists reporting.pm_exports"]
    forced = "alter table public.{} force row level security"
    unforced = "alter table public.{} no force row level security"
    old_side = damaged(
        breakable,
        "old",
        [table, rls, policy, forced.format("goals")],
        [*dropped, unforced.format("goals")],
    )
    new_side = damaged(
        breakable, "new", [table, forced.format("courses")], [*dropped, unforced.format("courses")]
    )
    with old_side, new_side:
        run = gate_on(breakable, tmp_path / "reports", "tests/preflight/test_rls_policies.py")
    item = run.item("rls-policies")
    assert item["status"] == "failed", run.digest()
    assert 'policy "own exports" on reporting.pm_exports is missing (present in old)' in (
        run.output
    ), run.digest()
    assert "row level security is off on reporting.pm_exports on new (on on old)" in (run.output), (
        run.digest()
    )
    for finding in (
        "row level security is no longer forced on public.goals on new: old forces it on the"
        " table's owner too (FORCE ROW LEVEL SECURITY)",
        "row level security is forced on public.courses on new but not on old: new holds the"
        " table's owner to its policies too (FORCE ROW LEVEL SECURITY)",
    ):
        assert finding in run.output, run.digest()


def test_private_rows_open_to_anon_or_a_failing_policy_fail_rls_policies(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Two policies on new: one lets anon read every notification (`using (true)`, as a policy
    "fixed" during the move), one on goals calls a helper function that fails on new (restored
    broken). rls-policies says private data is readable, naming notifications, and lists the
    goals read as refused with the function's error (not a grant's 42501), in words rather than
    the client's exception."""
    breaks = [
        "create policy pm_open_to_anon on public.notifications for select to anon using (true)",
        "create function public.pm_broken_helper() returns boolean language plpgsql"
        " as $$ begin raise exception 'helper restored without its schema'; end $$",
        "grant execute on function public.pm_broken_helper() to anon",
        "create policy pm_broken_helper on public.goals for select to anon"
        " using (public.pm_broken_helper())",
    ]
    repairs = [
        "drop policy if exists pm_open_to_anon on public.notifications",
        "drop policy if exists pm_broken_helper on public.goals",
        "drop function if exists public.pm_broken_helper()",
    ]
    with damaged(breakable, "new", breaks, repairs):
        run = gate_on(breakable, tmp_path / "reports", "tests/preflight/test_rls_policies.py")
    item = run.item("rls-policies")
    assert item["status"] == "failed", run.digest()
    (anon,) = [t for t in item["tests"] if "test_anon_reads_nothing" in t["nodeid"]]
    message = str(anon["message"])
    assert message == (
        "private data is readable without signing in: anon can read 5+ rows of notifications"
        " (and 1 more)"
    ), message
    said = (
        "anon's read of goals failed, but not as a grant refuses it: the Data API refused the"
        " request (P0001): helper restored without its schema"
    )
    assert f"- {said}" in run.output, run.digest()  # the failure's list, one line per problem


def test_a_webhook_url_carrying_a_secret_is_named_without_it(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The goal_invites webhook re-created on new calling its URL with a shared secret in the
    query: webhooks fails naming the URL, its query values left out, in the reason and the
    evidence; the secret is in no report file."""
    (definition,) = query_one(
        breakable, "new", "select pg_get_triggerdef(oid) from pg_trigger where tgname = %s", WEBHOOK
    )
    secret = "wh_s3cr3t_7f3a9c"
    with_secret = str(definition).replace(
        "/goal-notifications'", f"/goal-notifications?secret={secret}'"
    )
    assert with_secret != definition, definition
    drop = f"drop trigger {WEBHOOK} on public.goal_invites"
    with damaged(breakable, "new", [drop, with_secret], [drop, str(definition)]):
        run = gate_on(breakable, tmp_path / "reports", "tests/parity/test_webhooks.py")
    item = run.item("webhooks")
    assert item["status"] == "failed", run.digest()
    assert "/goal-notifications?secret=… on new, expected" in str(item["reason"]), item["reason"]
    assert secret not in "\n".join(texts_in(run.report_dir / "go-no-go.html")), "secret shown"
    assert secret not in run.report_texts(), "the webhook's secret reached the reports"


def test_realtime_authorization_s_lost_policy_fails_rls_policies(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Realtime Authorization: a policy on realtime.messages (who may join a goal's private
    channel) and RLS on it, on old; on new (`supabase db dump` leaves the realtime schema out)
    the policy is lost and RLS is off: rls-policies names both (it compared storage and the
    app's schemas only, and stayed green)."""
    schema = [
        "create schema realtime",
        "create table realtime.messages (id bigint primary key, topic text)",
    ]
    rls = "alter table realtime.messages enable row level security"
    policy = (
        'create policy "members join their goal\'s channel" on realtime.messages for select'
        " to authenticated using (topic like 'goal:%')"
    )
    dropped = ["drop schema if exists realtime cascade"]
    with (
        damaged(breakable, "old", [*schema, rls, policy], dropped),
        damaged(breakable, "new", schema, dropped),
    ):
        run = gate_on(breakable, tmp_path / "reports", "tests/preflight/test_rls_policies.py")
    item = run.item("rls-policies")
    assert item["status"] == "failed", run.digest()
    for finding in (
        'policy "members join their goal\'s channel" on realtime.messages is missing (present'
        " in old)",
        "row level security is off on realtime.messages on new (on on old)",
    ):
        assert finding in run.output, run.digest()
