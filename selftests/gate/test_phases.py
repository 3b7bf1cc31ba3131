"""The three moments of use on the shared playbook run (issue 12).

Before the DNS switch the gate writes the cutover watermark; right after it, users write to
new: their rows are counted and shown, never drift, while a row missing from before the
watermark still fails data-parity. At night, with no old server, the rows' parity is waived by
the phase (shown, never passed), the schema is compared with the committed snapshot, and what
needs new alone (restore-finished) still holds the gate. New is put back exactly afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from postmigration.checklist import CHECKLIST
from selftests.gate.conftest import (
    NOT_APPLICABLE_LOCALLY,
    ServingPlaybook,
    SuiteRun,
    auth_settings_changed,
    damaged,
    gate_on,
    item_files,
    query_one,
    run_sql,
    run_suite,
    sql_literal,
    without_new_db_url,
    without_old_origins,
)

DATA_PARITY = item_files("data-parity")
RESTORE_FINISHED = item_files("restore-finished")
STORAGE_PARITY = item_files("storage-parity")
ROLLBACK_READY = item_files("rollback-ready")
FUNCTION_SECRETS = item_files("function-secrets")
AUTH_SETTINGS = item_files("auth-settings")
AUTH_CONFIG = item_files("auth-config")
LIVE_UPLOAD = "live-after-cutover/avatar.png"
LIVE_USER = "00000000-0000-4000-8000-00000000abcd"
LIVE_EMAIL = "live-signup@example.com"


def _html(run: SuiteRun) -> str:
    return (run.report_dir / "go-no-go.html").read_text()


def test_live_writes_after_cutover_stay_go_and_a_lost_old_row_still_fails(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    before = gate_on(breakable, reports, *DATA_PARITY, "--phase=pre-cutover")
    assert before.summary["phase"] == "pre-cutover"
    assert before.item("data-parity")["status"] == "passed", before.digest()
    watermark = json.loads((reports / "cutover.json").read_text())
    assert watermark["tables"]["public.weight_measurements"]["kind"] == "id"

    (profile, name, stamp) = query_one(
        breakable,
        "new",
        "select id::text, full_name, updated_at::text from public.profiles order by id limit 1",
    )
    (lost,) = query_one(
        breakable,
        "new",
        "select row_to_json(w)::text from public.weight_measurements w order by id limit 1",
    )
    lost_id = json.loads(lost)["id"]
    live = [
        # A new signup (the trigger gives it a profile), its first weigh-in, and an edit.
        f"insert into auth.users (id, email, created_at, updated_at) "
        f"values ('{LIVE_USER}', '{LIVE_EMAIL}', now(), now())",
        # ...with its email identity, as GoTrue writes it at signup.
        "insert into auth.identities (provider_id, user_id, identity_data, provider) values "
        f"('{LIVE_USER}', '{LIVE_USER}', '{{\"email\": \"{LIVE_EMAIL}\"}}', 'email')",
        f"insert into public.weight_measurements (user_id, weight_kg) values ('{LIVE_USER}', 71.5)",
        f"update public.profiles set full_name = 'Renamed after cutover', updated_at = now() "
        f"where id = '{profile}'",
        # ...and a user's upload (on new only, by design).
        "insert into storage.objects (bucket_id, name, metadata) values ('avatars', "
        f'\'{LIVE_UPLOAD}\', \'{{"size": 10, "mimetype": "image/png"}}\')',
    ]
    try:
        run_sql(breakable, "new", *live)
        after = gate_on(breakable, reports, *DATA_PARITY, *STORAGE_PARITY, "--phase=post-cutover")
        assert after.summary["phase"] == "post-cutover"
        assert after.item("data-parity")["status"] == "passed", after.digest()
        assert after.item("storage-parity")["status"] == "passed", after.digest()
        html = _html(after)
        assert f"avatars: 1 ({LIVE_UPLOAD})" in html, "the upload after the cutover is not shown"
        assert "public.weight_measurements: 3000 → 3000 (+1 created, 0 changed" in html, html[
            -3000:
        ]
        # The edited profile is left out on both sides: 1003 - 1 compared.
        assert "public.profiles: 1002 → 1002 (+1 created, 1 changed" in html
        # The auth foundation's own sign-in (its token check) touched the user account's row
        # after the cutover too: left out on both sides, as the edited profile is.
        assert "auth.users: 1002 → 1002 (+1 created, 1 changed" in html

        # The moment given by hand, in a report dir without cutover.json: same outcome.
        by_hand = gate_on(
            breakable,
            tmp_path / "by-hand",
            *DATA_PARITY,
            "--phase=post-cutover",
            f"--cutover-at={watermark['cutover_at']}",
        )
        assert by_hand.item("data-parity")["status"] == "passed", by_hand.digest()
        html = _html(by_hand)
        assert "(from --cutover-at)" in html
        assert "public.weight_measurements: 3000 → 3000 (+1 created, 0 changed" in html

        run_sql(breakable, "new", f"delete from public.weight_measurements where id = {lost_id}")
        broken = gate_on(breakable, reports, *DATA_PARITY, "--phase=post-cutover")
        item = broken.item("data-parity")
        assert item["status"] == "failed", broken.digest()
        assert "public.weight_measurements has 2999 rows on new but 3000 on old" in item["reason"]
        assert f"{lost_id} (missing on new)" in item["reason"]
    finally:
        escaped = lost.replace("'", "''")
        run_sql(
            breakable,
            "new",
            "insert into public.weight_measurements select * from json_populate_record("
            f"null::public.weight_measurements, '{escaped}') on conflict (id) do nothing",
            f"delete from auth.users where id = '{LIVE_USER}'",
            f"delete from storage.objects where bucket_id = 'avatars' and name = '{LIVE_UPLOAD}'",
            f"update public.profiles set full_name = {sql_literal(name)}, "
            f"updated_at = '{stamp}' where id = '{profile}'",
        )
    assert query_one(breakable, "new", "select count(*) from public.weight_measurements") == (3000,)
    assert query_one(breakable, "new", "select count(*) from auth.users") == (1003,)


def test_a_rehearsal_s_cutover_file_is_refused_not_used(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """cutover.json says which old and new the pre-cutover run took it on; left by a rehearsal
    against another old, the post-cutover run refuses it in one line (exit 4) instead of
    scoping data-parity by another database's marks (it was used silently: passed)."""
    reports = tmp_path / "reports"
    gate_on(breakable, reports, *DATA_PARITY, "--phase=pre-cutover")
    path = reports / "cutover.json"
    taken = json.loads(path.read_text())
    old, new = (str(breakable.target(side)["supabase_url"]).rstrip("/") for side in ("old", "new"))
    assert (taken["old"], taken["new"]) == (old, new), taken
    path.write_text(json.dumps({**taken, "old": "http://rehearsal-old.lms.test:8000"}))
    (reports / "summary.json").unlink()
    refused = run_suite(
        reports,
        "--target=new",
        "--compare-to=old",
        f"--pm-config={breakable.config_path}",
        *DATA_PARITY,
        "--phase=post-cutover",
    )
    assert refused.exit_code == 4, refused.digest()
    assert refused.verdict == "NO-GO", refused.digest()
    said = [line for line in refused.output.splitlines() if line.startswith("ERROR: ")]
    assert said == [
        f"ERROR: {path} is not this cutover's watermark: it was taken on old "
        f"http://rehearsal-old.lms.test:8000, not {old}; rerun the pre-cutover phase with this "
        "--report-dir, or give --cutover-at"
    ], refused.output[-2000:]


def test_an_upload_after_the_cutover_is_told_apart_without_new_s_db_url(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Post-cutover with new's db_url left out (objects listed through the Storage API): a
    user's upload on new after the watermark is shown apart, by the listing's times, and
    neither storage-parity nor rollback-ready's storage test fails on it (both did: "on new
    but not on old", "old lists 0 of the 1 object(s)")."""
    reports = tmp_path / "reports"
    before = gate_on(breakable, reports, *DATA_PARITY, "--phase=pre-cutover")
    assert (reports / "cutover.json").is_file(), before.digest()
    through_api = without_new_db_url(breakable, tmp_path / "no-db-url.toml")
    upload = (
        "insert into storage.objects (bucket_id, name, metadata) values ('avatars', "
        f'\'{LIVE_UPLOAD}\', \'{{"size": 10, "mimetype": "image/png"}}\')'
    )
    gone = f"delete from storage.objects where bucket_id = 'avatars' and name = '{LIVE_UPLOAD}'"
    with damaged(breakable, "new", [upload], [gone]):
        after = gate_on(
            breakable,
            reports,
            *STORAGE_PARITY,
            *ROLLBACK_READY,
            "--phase=post-cutover",
            config=through_api,
        )
    assert after.item("storage-parity")["status"] == "passed", after.digest()
    assert f"avatars: 1 ({LIVE_UPLOAD})" in _html(after), "the upload is not shown apart"
    outcomes = {
        str(t["nodeid"]).rsplit("::", 1)[-1]: t["outcome"]
        for t in after.item("rollback-ready")["tests"]
    }
    assert outcomes["test_old_storage_still_holds_its_objects"] == "passed", after.digest()


def test_nightly_without_an_old_server_is_go_with_parity_waived_by_the_phase(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The whole suite, as the nightly job runs it against staging: no --compare-to, and no
    old_origins in the target (a staging config names no old). The checks that look for old
    origins are not applicable, saying so (they were not verified: NO-GO every night)."""
    staging = without_old_origins(breakable, tmp_path / "staging.toml")
    run = run_suite(
        tmp_path / "reports",
        "--target=new",
        f"--pm-config={staging}",
        "--phase=nightly",
    )
    assert run.summary["phase"] == "nightly"
    assert (run.verdict, run.exit_code) == ("GO", 0), run.digest()
    # The committed schema snapshot stands in for old for schema-parity, grants, realtime, role
    # settings, scheduled jobs, Vault and webhooks: checked, passed.
    waived = {
        i.id
        for i in CHECKLIST
        if "comparison" in i.depends_on and not i.snapshot and not i.declared
    }
    assert {"data-parity", "storage-parity"} <= waived
    snapshot_items = {i.id for i in CHECKLIST if i.snapshot}
    assert {"schema-parity", "grants", "scheduled-jobs", "vault", "webhooks"} <= snapshot_items
    for item_id in snapshot_items:
        assert run.item(item_id)["status"] == "passed", run.digest()
    # The secrets the app declares its functions need, and the auth settings and
    # configuration its supabase/config.toml declares, stand in for old's: checked, passed.
    for item_id in ("function-secrets", "auth-settings", "auth-config"):
        item = run.item(item_id)
        assert (item["severity"], item["status"]) == ("blocker", "passed"), run.digest()
    # What needs new alone is checked at night, as a blocker.
    for item_id in ("restore-finished", "auth-redirects"):
        item = run.item(item_id)
        assert (item["severity"], item["status"]) == ("blocker", "passed"), run.digest()
    for item_id in waived:
        item = run.item(item_id)
        assert (item["severity"], item["status"]) == ("warning", "not_verified"), run.digest()
        assert item["reason"].startswith("waived: nightly: no old server to compare with")
    references = run.item("old-references")
    assert references["status"] == "not_applicable", run.digest()
    assert references["reason"].startswith("nightly without an old server or old_origins")
    deployed = run.item("app-deploy")
    assert deployed["status"] == "passed", run.digest()
    assert "1 not applicable" in deployed["reason"], deployed["reason"]
    signed = run.item("sign-offs")
    assert signed["status"] == "not_applicable", run.digest()
    assert signed["reason"] == "not applicable in this phase (nightly); applies in pre-cutover"
    others = {k: v for k, v in run.statuses().items() if v != "passed"}
    # Not applicable at night: tls-dns on loopback, sign-offs and repo-ready (before the switch
    # only), dns-cutover, rollback-dump and rollback-ready (before and after it only).
    at_night = {
        *NOT_APPLICABLE_LOCALLY,
        "dns-cutover",
        "rollback-dump",
        "rollback-ready",
        "old-references",
    }
    assert set(others) == {*waived, *at_night}, run.digest()
    assert list((tmp_path / "reports" / "history").glob("*.json")), "no history entry"


def test_nightly_without_an_old_server_still_fails_a_sequence_left_behind(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Staging at night, no old: a sequence behind its column is a finding on new alone, so
    restore-finished fails as a blocker, NO-GO (it sat in data-parity, waived at night: GO)."""
    with _sequence_behind(breakable):
        run = gate_on(
            breakable, tmp_path / "night", *RESTORE_FINISHED, "--phase=nightly", compare=False
        )
    item = run.item("restore-finished")
    assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    assert "weight_measurements_id_seq is behind" in str(item["reason"]), item["reason"]
    assert run.verdict == "NO-GO", run.digest()


@contextmanager
def _sequence_behind(playbook: ServingPlaybook) -> Iterator[None]:
    """weight_measurements' id sequence set back to 1 on new for the block, then mended."""
    sequence = "pg_get_serial_sequence('public.weight_measurements', 'id')"
    (name,) = query_one(playbook, "new", f"select {sequence}")
    last, called = query_one(playbook, "new", f"select last_value, is_called from {name}")
    behind = f"select setval('{name}', 1, false)"
    mended = f"select setval('{name}', {last}, {called})"
    with damaged(playbook, "new", [behind], [mended]):
        yield


def test_nightly_without_an_old_server_fails_a_secret_the_app_declares_and_new_lacks(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Staging at night, no old: WHATSAPP_TOKEN removed from new's function secrets (needed
    only for an invite with a phone number, so no smoke test notices) fails function-secrets
    as a blocker against the app's declared secrets, naming the secret and the command that
    sets it (it was waived at night: GO)."""
    functions_env = breakable.state_dir / "new" / "functions.env"
    kept = functions_env.read_text()
    lines = [line for line in kept.splitlines() if not line.startswith("WHATSAPP_TOKEN=")]
    assert len(lines) == len(kept.splitlines()) - 1, "new has no WHATSAPP_TOKEN to remove"
    try:
        functions_env.write_text("\n".join(lines) + "\n")
        run = gate_on(
            breakable, tmp_path / "night", *FUNCTION_SECRETS, "--phase=nightly", compare=False
        )
    finally:
        functions_env.write_text(kept)
    item = run.item("function-secrets")
    assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    assert item["reason"] == (
        "edge functions on new miss secrets they need: secret WHATSAPP_TOKEN is one the app's "
        "functions need ([app] function_secrets) but is not set on new (supabase secrets set "
        f"WHATSAPP_TOKEN=… --project-ref {breakable.target('new')['project_ref']})"
    ), item["reason"]
    assert run.verdict == "NO-GO", run.digest()


def test_nightly_without_an_old_server_fails_auth_settings_the_app_s_config_toml_declares(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Staging at night, no old: GitHub sign-in switched off and email confirmations switched
    on in new's Auth settings (the password sign-ins the suite makes still work, so no smoke
    test notices) fails auth-settings as a blocker against the reference app's
    supabase/config.toml, naming each setting and the file's key (it was waived: GO)."""
    made = json.loads((breakable.state_dir / "new" / "auth_settings.json").read_text())
    assert made["external"]["github"] and made["mailer_autoconfirm"], "new is not as made"
    external = {**made["external"], "github": False}
    with auth_settings_changed(breakable, "new", external=external, mailer_autoconfirm=False):
        run = gate_on(
            breakable, tmp_path / "night", *AUTH_SETTINGS, "--phase=nightly", compare=False
        )
    item = run.item("auth-settings")
    assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    assert item["reason"] == (
        "auth settings differ from reference/supabase/config.toml: auth provider github is "
        "disabled on new, enabled in reference/supabase/config.toml ([auth.external.github] "
        "enabled = true) (and 1 more)"
    ), item["reason"]
    # The reason holds the first finding; the failure (output, junit.xml) lists each.
    second = (
        "- auth setting mailer_autoconfirm is false on new, true by "
        "reference/supabase/config.toml ([auth.email] enable_confirmations = false)"
    )
    assert second in run.report_texts(), run.output[-3000:]
    assert run.verdict == "NO-GO", run.digest()


def test_nightly_without_an_old_server_fails_auth_config_the_app_s_config_toml_declares(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Staging at night, no old: new's custom SMTP server cleared and its access-token hook
    switched off in the dashboard fails auth-config as a blocker against the reference app's
    supabase/config.toml, naming the SMTP server once and what the hook's absence costs (it
    was waived: GO)."""
    made = json.loads((breakable.state_dir / "new" / "auth_settings.json").read_text())
    assert made["smtp_host"] and made["hook_custom_access_token_enabled"], "new is not as made"
    with auth_settings_changed(
        breakable, "new", smtp_host="", hook_custom_access_token_enabled=False
    ):
        run = gate_on(breakable, tmp_path / "night", *AUTH_CONFIG, "--phase=nightly", compare=False)
    item = run.item("auth-config")
    assert (item["severity"], item["status"]) == ("blocker", "failed"), run.digest()
    assert str(item["reason"]).startswith(
        "the auth configuration on new differs from reference/supabase/config.toml: custom SMTP "
        "is not set on new, but reference/supabase/config.toml sets smtp.resend.com "
        '([auth.email.smtp] host = "smtp.resend.com")'
    ), item["reason"]
    # The server is named once, not again for each of its settings (port, user, sender).
    assert "SMTP setting" not in run.report_texts(), run.output[-3000:]
    hook = (
        "- the custom access token auth hook is off on new but reference/supabase/config.toml "
        "switches it on ([auth.hook.custom_access_token] enabled = true)"
    )
    assert hook in run.report_texts(), run.output[-3000:]
    assert run.verdict == "NO-GO", run.digest()


def test_nightly_given_an_old_server_waives_nothing(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """--phase=nightly with --compare-to=old (a config or CI form that keeps old): the phase
    waives nothing, so a sequence left behind on new fails data-parity as a blocker, NO-GO."""
    with _sequence_behind(breakable):
        run = gate_on(breakable, tmp_path / "night", *DATA_PARITY, "--phase=nightly")
    parity = run.item("data-parity")
    assert (parity["severity"], parity["status"]) == ("blocker", "failed"), run.digest()
    assert "waived" not in str(parity["reason"]), parity["reason"]
    assert run.verdict == "NO-GO", run.digest()


def test_a_row_old_took_after_the_watermark_and_new_lacks_fails_data_parity(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The pre-cutover gate takes the watermark; then old takes one more weigh-in (a user still
    on old before the switch) that never reaches new. Post-cutover, data-parity is NO-GO naming
    the row by its key (rows beyond the mark were compared on neither side, so it passed)."""
    reports = tmp_path / "reports"
    before = gate_on(breakable, reports, *DATA_PARITY, "--phase=pre-cutover")
    assert before.item("data-parity")["status"] == "passed", before.digest()
    (user,) = query_one(breakable, "old", "select user_id from public.weight_measurements limit 1")
    late = (
        "insert into public.weight_measurements (user_id, weight_kg) "
        f"values ('{user}', 64.2) returning id"
    )
    (late_id,) = query_one(breakable, "old", late)
    try:
        after = gate_on(breakable, reports, *DATA_PARITY, "--phase=post-cutover")
    finally:
        run_sql(breakable, "old", f"delete from public.weight_measurements where id = {late_id}")
    item = after.item("data-parity")
    assert item["status"] == "failed", after.digest()
    assert (
        f"1 row(s) of public.weight_measurements that old took after the cutover watermark are "
        f"not on new (e.g. {late_id})"
    ) in str(item["reason"]), item["reason"]
