"""Checks that stand on a setting, and a refusal told apart by its words, on the shared clean
playbook run:

- `[app] smoke_functions = []`: edge-functions' smoke test is not verified, saying why (it
  passed: an empty list smoke-tested nothing);
- no `management_token` on new: function-secrets is not verified, naming the setting; a token
  the Management API refuses fails it, naming the 401;
- `insert` on courses revoked from `authenticated`: a non-admin's insert is refused with
  "permission denied" (a lost grant, which refuses admins too), not by RLS: admin-course fails
  saying so (it passed: any 42501 counted as RLS);
- new declared read-only (`NEW_READ_ONLY=true`): app-deploy's magic-link check writes nothing
  (it generated the link, a write to the user's auth row, before looking at read_only);
- new's magic-link email re-entered with old's site in it, and its SMTP sender name changed:
  auth-config names both (auth-settings, which reads /auth/v1/settings, passed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selftests.gate.conftest import (
    ServingPlaybook,
    auth_settings_changed,
    config_changed,
    damaged,
    gate_on,
    query_one,
)

DEPLOY = "tests/edge_functions/test_deploy.py"
SECRETS = "tests/edge_functions/test_secrets.py"
COURSE_RLS = "tests/smoke/test_course_rls.py"


def _tests(run: Any, item_id: str) -> list[str]:
    return [f"{t['outcome']}: {t['message']}" for t in run.item(item_id)["tests"]]


def test_an_empty_smoke_list_leaves_the_smoke_test_not_verified(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    def no_smoke(config: dict[str, Any]) -> None:
        config.setdefault("app", {})["smoke_functions"] = []

    config = config_changed(breakable, tmp_path / "postmigration.toml", no_smoke)
    run = gate_on(breakable, tmp_path / "report", DEPLOY, config=config)
    item = run.item("edge-functions")
    assert item["status"] == "not_verified", run.digest()
    assert any("smoke_functions is empty" in t for t in _tests(run, "edge-functions")), item


def test_function_secrets_without_a_token_or_with_a_refused_one(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    def no_token(config: dict[str, Any]) -> None:
        del config["targets"]["new"]["management_token"]

    def wrong_token(config: dict[str, Any]) -> None:
        config["targets"]["new"]["management_token"] = "sbp_" + "0" * 40

    unset = config_changed(breakable, tmp_path / "unset.toml", no_token)
    run = gate_on(breakable, tmp_path / "unset", SECRETS, config=unset)
    item = run.item("function-secrets")
    assert item["status"] == "not_verified", run.digest()
    assert any("has no management_token" in t for t in _tests(run, "function-secrets")), item

    wrong = config_changed(breakable, tmp_path / "wrong.toml", wrong_token)
    run = gate_on(breakable, tmp_path / "wrong", SECRETS, config=wrong)
    item = run.item("function-secrets")
    assert item["status"] == "failed", run.digest()
    assert "refused to read new's secrets" in str(item["reason"]), item
    assert "401" in str(item["reason"]) and "0" * 40 not in str(item["reason"]), item


def test_a_lost_insert_grant_is_not_taken_for_rls(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    with damaged(
        breakable,
        "new",
        ["revoke insert on public.courses from authenticated"],
        ["grant insert on public.courses to authenticated"],
    ):
        run = gate_on(breakable, tmp_path / "report", COURSE_RLS)
    item = run.item("admin-course")
    assert item["status"] == "failed", run.digest()
    reason = str(item["reason"])
    assert "not as RLS refuses it" in reason and "permission denied" in reason, reason


def test_a_read_only_target_gets_no_magic_link(breakable: ServingPlaybook, tmp_path: Path) -> None:
    sent = "select coalesce(recovery_sent_at::text, '') from auth.users where email = %s"
    before = query_one(breakable, "new", sent, "user@lms.test")[0]
    run = gate_on(
        breakable,
        tmp_path / "report",
        "tests/e2e/test_app_deploy.py",
        env={"NEW_READ_ONLY": "true"},
    )
    after = query_one(breakable, "new", sent, "user@lms.test")[0]
    assert after == before, (
        f"the user's recovery_sent_at moved on a read-only target; {run.digest()}"
    )
    skipped = [t for t in _tests(run, "app-deploy") if "read-only" in t]
    assert skipped, _tests(run, "app-deploy")


def test_an_email_template_naming_old_s_site_fails_auth_config(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    old_saved = json.loads((breakable.state_dir / "old" / "auth_settings.json").read_text())
    with auth_settings_changed(
        breakable,
        "new",
        mailer_templates_magic_link_content=old_saved["mailer_templates_magic_link_content"],
        smtp_sender_name="LMS (old)",
    ):
        run = gate_on(
            breakable,
            tmp_path / "report",
            "tests/parity/test_auth_config.py",
            "tests/parity/test_auth_settings.py",
        )
    assert run.item("auth-settings")["status"] == "passed", run.digest()
    item = run.item("auth-config")
    assert item["status"] == "failed", run.digest()
    message = run.report_texts()
    assert "the magic link email's body differs from old's" in message, message
    assert "SMTP setting smtp_sender_name is 'LMS (old)' on new, 'LMS' on old" in message, message
    assert "auth setting mailer_templates_magic_link_content on new still names old's" in message
