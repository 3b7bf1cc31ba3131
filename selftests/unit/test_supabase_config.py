"""What the Supabase CLI's config.toml declares of the auth settings and configuration, and how
new's answers are compared with it (auth-settings and auth-config without old). Real files in
a temp dir; no server."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmigration.auth_config import declared_config_problems
from postmigration.auth_settings import declared_differences
from postmigration.errors import MalformedConfigError
from postmigration.supabase_config import (
    DeclaredAuthSettings,
    declared_auth_config,
    declared_auth_settings,
)

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "reference" / "supabase" / "config.toml"


def _declared(tmp_path: Path, text: str, project_ref: str | None = None) -> DeclaredAuthSettings:
    path = tmp_path / "config.toml"
    path.write_text(text)
    declared = declared_auth_settings(path, "supabase/config.toml", project_ref)
    assert declared is not None
    return declared


def _values(declared: DeclaredAuthSettings) -> dict[str, object]:
    out = {k: v.value for k, v in declared.settings.items()}
    out.update({f"external.{k}": v.value for k, v in declared.providers.items()})
    return out


def test_the_reference_app_s_file_declares_what_its_project_is_set_up_with() -> None:
    """The committed file says what the stand-in's app_auth_settings make: sign-ups on, email
    sign-in on without confirmations (mailer_autoconfirm), phone off, Google and GitHub on."""
    declared = declared_auth_settings(REFERENCE, "reference/supabase/config.toml")
    assert declared is not None
    assert _values(declared) == {
        "disable_signup": False,
        "mailer_autoconfirm": True,
        "external.anonymous_users": False,
        "external.email": True,
        "external.phone": False,
        "external.github": True,
        "external.google": True,
    }
    assert declared.settings["mailer_autoconfirm"].said_by == (
        "[auth.email] enable_confirmations = false"
    )


def test_only_what_the_file_sets_is_declared_and_env_values_are_left_out(tmp_path: Path) -> None:
    """A key the file leaves out is not compared; one given as env(...) is named as left out;
    the SMS provider is the first enabled in the CLI's order; a disabled provider is declared
    off."""
    declared = _declared(
        tmp_path,
        """
        [auth]
        enable_signup = "env(SIGNUPS)"
        [auth.sms]
        enable_signup = true
        [auth.sms.vonage]
        enabled = true
        [auth.sms.twilio]
        enabled = true
        [auth.external.apple]
        enabled = false
        """,
    )
    assert _values(declared) == {
        "external.phone": True,
        "sms_provider": "twilio",
        "external.apple": False,
    }
    assert declared.left_out == ("[auth] enable_signup",)
    assert declared.described == (
        "supabase/config.toml (no old server): sms_provider, external.phone, external.apple; "
        "not compared (env()): [auth] enable_signup"
    )


def test_a_remote_block_for_the_target_s_project_overrides_the_file(tmp_path: Path) -> None:
    """[remotes.<name>] applies when its project_id is the target's project ref, as the CLI
    does; for another project the file's own values stand."""
    text = """
        [auth]
        enable_signup = true
        [auth.external.google]
        enabled = true
        [remotes.staging]
        project_id = "abcdefghijklmnopqrst"
        [remotes.staging.auth]
        enable_signup = false
        [remotes.staging.auth.external.google]
        enabled = false
        """
    staging = _declared(tmp_path, text, "abcdefghijklmnopqrst")
    other = _declared(tmp_path, text, "zzzzzzzzzzzzzzzzzzzz")
    assert staging.remote == "staging"
    assert _values(staging) == {"disable_signup": True, "external.google": False}
    assert other.remote is None
    assert _values(other) == {"disable_signup": False, "external.google": True}
    assert staging.described == (
        "supabase/config.toml, with its [remotes.staging] block (no old server): "
        "disable_signup, external.google"
    )


def test_new_s_answer_is_compared_with_each_declared_setting_in_words(tmp_path: Path) -> None:
    """A provider and a switch that differ are each named with the file's key; one the file
    does not declare (sms_provider) or that matches is not."""
    declared = _declared(
        tmp_path,
        """
        [auth.email]
        enable_confirmations = false
        [auth.external.github]
        enabled = true
        [auth.external.google]
        enabled = true
        """,
    )
    new = {
        "external": {"github": False, "google": True},
        "mailer_autoconfirm": False,
        "sms_provider": "twilio",
    }
    assert declared_differences(new, declared) == [
        "auth provider github is disabled on new, enabled in supabase/config.toml "
        "([auth.external.github] enabled = true)",
        "auth setting mailer_autoconfirm is false on new, true by supabase/config.toml "
        "([auth.email] enable_confirmations = false)",
    ]
    new.update(external={"github": True, "google": True}, mailer_autoconfirm=True)
    assert declared_differences(new, declared) == []


def test_no_file_declares_nothing_and_a_broken_one_says_why_in_one_line(tmp_path: Path) -> None:
    """No file: None (the item falls back to not verified). Bad TOML, a switch that is not a
    boolean, a section that is not a table: one line naming the file."""
    assert declared_auth_settings(tmp_path / "none.toml", "none.toml") is None
    with pytest.raises(
        MalformedConfigError, match=r"config\.toml: not valid TOML: .*\(fix the syntax there\)$"
    ):
        _declared(tmp_path, "[auth\n")
    with pytest.raises(MalformedConfigError) as not_bool:
        _declared(tmp_path, '[auth]\nenable_signup = "yes"\n')
    assert str(not_bool.value) == (
        "supabase/config.toml: [auth] enable_signup must be true or false"
    )
    with pytest.raises(MalformedConfigError, match=r"\[auth.email\] must be a table"):
        _declared(tmp_path, "[auth]\nemail = true\n")


def test_the_reference_app_s_file_declares_its_smtp_server_subject_and_hook() -> None:
    """The committed file declares the SMTP server (never its password), the magic link
    email's subject and the access-token hook with its function, as the stand-in makes them."""
    declared = declared_auth_config(REFERENCE, "reference/supabase/config.toml")
    assert declared is not None
    assert {k: v.value for k, v in declared.values.items()} == {
        "smtp_host": "smtp.resend.com",
        "smtp_port": "465",
        "smtp_user": "resend",
        "smtp_admin_email": "no-reply@lms.test",
        "smtp_sender_name": "LMS",
        "mailer_subjects_magic_link": "Your LMS sign-in link",
        "hook_custom_access_token_enabled": True,
        "hook_custom_access_token_uri": "pg-functions://postgres/public/custom_access_token_hook",
    }
    assert declared.values["smtp_port"].said_by == "[auth.email.smtp] port = 465"


def test_a_template_body_is_read_from_its_content_path_and_smtp_can_be_declared_off(
    tmp_path: Path,
) -> None:
    """A body comes from content_path (relative to the folder holding supabase/); SMTP
    switched off declares a blank host; a disabled hook's URI is not declared; a file that
    declares none of it is empty (falsy)."""
    (tmp_path / "supabase").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "invite.html").write_text("<p>{{ .ConfirmationURL }}</p>")
    path = tmp_path / "supabase" / "config.toml"
    path.write_text(
        """
        [auth.email.smtp]
        enabled = false
        host = "smtp.example.com"
        [auth.email.template.invite]
        content_path = "./templates/invite.html"
        [auth.hook.send_email]
        enabled = false
        uri = "https://hooks.example.com"
        """
    )
    declared = declared_auth_config(path, "supabase/config.toml")
    assert declared is not None
    assert {k: v.value for k, v in declared.values.items()} == {
        "smtp_host": "",
        "mailer_templates_invite_content": "<p>{{ .ConfirmationURL }}</p>",
        "hook_send_email_enabled": False,
    }
    path.write_text("[auth]\nenable_signup = true\n")
    assert not declared_auth_config(path, "supabase/config.toml")
    path.write_text('[auth.email.template.invite]\ncontent_path = "./missing.html"\n')
    with pytest.raises(MalformedConfigError, match=r"content_path .* cannot be read"):
        declared_auth_config(path, "supabase/config.toml")


def test_new_s_auth_configuration_is_compared_with_what_the_file_declares(tmp_path: Path) -> None:
    """No custom SMTP on new is named once (not once per SMTP setting); a hook left off says
    what it costs; a subject that differs names its key; SMTP declared off but set on new is
    named; what matches is not."""
    path = tmp_path / "config.toml"
    path.write_text(
        """
        [auth.email.smtp]
        enabled = true
        host = "smtp.resend.com"
        port = 465
        [auth.email.template.magic_link]
        subject = "Your sign-in link"
        [auth.hook.custom_access_token]
        enabled = true
        uri = "pg-functions://postgres/public/hook"
        """
    )
    declared = declared_auth_config(path, "supabase/config.toml")
    assert declared is not None
    new = {
        "mailer_subjects_magic_link": "Sign in",
        "hook_custom_access_token_enabled": False,
        "hook_custom_access_token_uri": "pg-functions://postgres/public/hook",
    }
    assert declared_config_problems(new, declared) == [
        "custom SMTP is not set on new, but supabase/config.toml sets smtp.resend.com "
        '([auth.email.smtp] host = "smtp.resend.com"): new sends its auth emails (sign-in '
        "links, password resets, invites) through Supabase's built-in mailer, a few emails an "
        "hour, to the project's team only",
        "the magic link email's subject on new differs from supabase/config.toml "
        '([auth.email.template.magic_link] subject = "Your sign-in link")',
        "the custom access token auth hook is off on new but supabase/config.toml switches it "
        "on ([auth.hook.custom_access_token] enabled = true): new's access tokens lack the "
        "claims it adds (roles the app reads); switch it on under Authentication > Hooks",
    ]
    new.update(
        smtp_host="smtp.resend.com",
        smtp_port="587",
        mailer_subjects_magic_link="Your sign-in link",
        hook_custom_access_token_enabled=True,
    )
    assert declared_config_problems(new, declared) == [
        "SMTP setting smtp_port is '587' on new, '465' by supabase/config.toml "
        "([auth.email.smtp] port = 465)"
    ]
    path.write_text("[auth.email.smtp]\nenabled = false\n")
    off = declared_auth_config(path, "supabase/config.toml")
    assert off is not None
    assert declared_config_problems({"smtp_host": "smtp.resend.com"}, off) == [
        "custom SMTP is set on new (smtp.resend.com) but supabase/config.toml switches it off "
        "([auth.email.smtp] enabled = false)"
    ]
    assert declared_config_problems({"smtp_host": ""}, off) == []
