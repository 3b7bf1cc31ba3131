"""The auth configuration comparison (auth-config), on plain values.

The real proof is the detection matrix's `smtp-not-set` and the self-tests on a running
playbook; these pin the carrying of old's origins and the wording.
"""

from __future__ import annotations

from postmigration.auth_config import (
    SECRET_SETTING,
    config_problems,
    other_differences,
)
from postmigration.config import Target
from postmigration.parity import origin_moves
from reference.stack.gateway.management import auth_config

OLD = Target(name="old", supabase_url="https://oldref.supabase.co", site_url="https://old.app")
NEW = Target(name="new", supabase_url="https://newref.supabase.co", site_url="https://lms.app")
MOVED = origin_moves(NEW, OLD)
OLDS = ("https://oldref.supabase.co", "https://old.app")
TEMPLATE = '<a href="{{ .ConfirmationURL }}">Sign in</a> or visit <a href="SITE/">LMS</a>'
BASE = {
    "smtp_host": "smtp.resend.com",
    "smtp_port": "465",
    "smtp_user": "resend",
    "smtp_admin_email": "no-reply@lms.app",
    "smtp_sender_name": "LMS",
    "hook_custom_access_token_enabled": False,
    "rate_limit_email_sent": 100,
}


def _side(site: str, **changes: object) -> dict[str, object]:
    values = {**BASE, "mailer_templates_magic_link_content": TEMPLATE.replace("SITE", site)}
    values.update(changes)
    return values


def test_a_template_carried_to_the_new_site_equals_old_s() -> None:
    """Old's template naming old's site, new's naming new's: nothing to say."""
    old, new = _side("https://old.app"), _side("https://lms.app")
    assert config_problems(new, old, MOVED, OLDS) == []


def test_smtp_missing_templates_and_hooks_changed_are_named() -> None:
    """No SMTP on new, the magic link's body left at old's site, a hook turned off."""
    old = _side("https://old.app", hook_custom_access_token_enabled=True)
    new = _side("https://old.app", smtp_host=None)
    problems = config_problems(new, old, MOVED, OLDS)
    assert problems[0].startswith("custom SMTP is not set on new: old sends its auth emails")
    assert "the magic link email's body differs from old's" in problems
    assert (
        "the custom access token auth hook is off on new but on on old: new's access tokens lack"
        " the claims it adds (roles the app reads); switch it on under Authentication > Hooks"
    ) in problems
    assert any("still names old's https://old.app" in p for p in problems)


def test_a_hook_pointed_elsewhere_names_both_settings() -> None:
    """The hook on on both sides but calling another function on new; a hook switched on
    only on new."""
    uri = "pg-functions://postgres/public/custom_access_token_hook"
    old = _side("https://old.app", hook_custom_access_token_uri=uri)
    new = _side(
        "https://lms.app",
        hook_custom_access_token_uri=uri.replace("custom", "old"),
        hook_send_email_enabled=True,
    )
    problems = config_problems(new, old, MOVED, OLDS)
    assert (
        f"auth hook setting hook_custom_access_token_uri is {uri.replace('custom', 'old')!r} on "
        f"new, {uri!r} on old"
    ) in problems
    assert "auth hook setting hook_send_email_enabled is True on new, None on old" in problems


def test_other_differences_are_named_not_judged() -> None:
    """A rate limit changed on purpose is listed for the evidence only."""
    old, new = _side("https://old.app"), _side("https://lms.app", rate_limit_email_sent=30)
    assert config_problems(new, old, MOVED, OLDS) == []
    assert other_differences(new, old, MOVED) == ["rate_limit_email_sent"]


def test_the_stand_in_shows_providers_and_the_allow_list_as_the_api_does() -> None:
    """`external` becomes external_<name>_enabled; the allow-list one comma-separated string;
    settings never made are null."""
    shown = auth_config({"external": {"google": True}, "uri_allow_list": ["a", "b"]})
    assert shown["external_google_enabled"] is True
    assert shown["uri_allow_list"] == "a,b"
    assert shown["smtp_host"] is None


def test_secret_settings_are_left_out_and_others_kept() -> None:
    """Names that hold a secret are dropped on reading; password rules and hooks stay."""
    for name in (
        "smtp_pass",
        "external_google_secret",
        "hook_custom_access_token_secrets",
        "sms_twilio_auth_token",
        "sms_textlocal_api_key",
        "sms_messagebird_access_key",
        "security_captcha_secret",
    ):
        assert SECRET_SETTING.search(name), name
    for name in (
        "password_min_length",
        "hook_password_verification_attempt_enabled",
        "hook_custom_access_token_uri",
        "smtp_port",
    ):
        assert not SECRET_SETTING.search(name), name
