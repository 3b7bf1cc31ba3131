"""The three moments of use on the shared playbook run (issue 12).

Before the DNS switch the gate writes the cutover watermark; right after it, users write to
new: their rows are counted and shown, never drift, while a row missing from before the
watermark still fails data-parity. At night, with no old server, parity is waived by the phase
(shown, never passed). New is put back exactly afterwards.
"""

from __future__ import annotations

import json
from pathlib import Path

from postmigration.checklist import CHECKLIST
from selftests.gate.conftest import (
    NOT_APPLICABLE_LOCALLY,
    ServingPlaybook,
    SuiteRun,
    damaged,
    gate_on,
    item_files,
    query_one,
    run_sql,
    run_suite,
    sql_literal,
)

DATA_PARITY = item_files("data-parity")
STORAGE_PARITY = item_files("storage-parity")
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


def test_nightly_without_an_old_server_is_go_with_parity_waived_by_the_phase(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The whole suite, as the nightly job runs it against staging: no --compare-to."""
    run = run_suite(
        tmp_path / "reports",
        "--target=new",
        f"--pm-config={breakable.config_path}",
        "--phase=nightly",
    )
    assert run.summary["phase"] == "nightly"
    assert (run.verdict, run.exit_code) == ("GO", 0), run.digest()
    # The committed schema snapshot stands in for old for grants and realtime: checked, passed.
    waived = {i.id for i in CHECKLIST if "comparison" in i.depends_on and not i.snapshot}
    assert {"data-parity", "storage-parity", "vault"} <= waived
    for item_id in ("grants", "realtime"):
        assert run.item(item_id)["status"] == "passed", run.digest()
    for item_id in waived:
        item = run.item(item_id)
        assert (item["severity"], item["status"]) == ("warning", "not_verified"), run.digest()
        assert item["reason"].startswith("waived: nightly: no old server to compare with")
    signed = run.item("sign-offs")
    assert signed["status"] == "not_applicable", run.digest()
    assert signed["reason"] == "not applicable in this phase (nightly); applies in pre-cutover"
    others = {k: v for k, v in run.statuses().items() if v != "passed"}
    # Not applicable at night: tls-dns on loopback, sign-offs and repo-ready (before the switch
    # only), dns-cutover, rollback-dump and rollback-ready (before and after it only).
    at_night = {*NOT_APPLICABLE_LOCALLY, "dns-cutover", "rollback-dump", "rollback-ready"}
    assert set(others) == {*waived, *at_night}, run.digest()
    assert list((tmp_path / "reports" / "history").glob("*.json")), "no history entry"


def test_nightly_given_an_old_server_waives_nothing(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """--phase=nightly with --compare-to=old (a config or CI form that keeps old): the phase
    waives nothing, so a sequence left behind on new fails data-parity as a blocker, NO-GO."""
    sequence = "pg_get_serial_sequence('public.weight_measurements', 'id')"
    (name,) = query_one(breakable, "new", f"select {sequence}")
    last, called = query_one(breakable, "new", f"select last_value, is_called from {name}")
    behind = f"select setval('{name}', 1, false)"
    mended = f"select setval('{name}', {last}, {called})"
    with damaged(breakable, "new", [behind], [mended]):
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
