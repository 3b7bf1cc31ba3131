"""role-settings' comparison: what old sets and new lacks or sets otherwise is named, values of
app settings never shown; what only new sets, and the projects' own JWT settings, are no
difference."""

from __future__ import annotations

from postmigration.db import role_setting_differences, sealed_role_settings
from postmigration.db.role_settings import SET


def test_a_lost_or_changed_setting_is_named_with_its_values() -> None:
    old = {
        ("role authenticated", "statement_timeout"): "15s",
        ("role authenticator", "pgrst.db_schemas"): "public, reporting",
        ("the database", "search_path"): '"$user", public, extensions',
    }
    new = {
        ("role authenticated", "statement_timeout"): "8s",
        ("the database", "search_path"): '"$user", public, extensions',
        ("role anon", "statement_timeout"): "3s",  # only new: the fresh project's
    }
    assert role_setting_differences(new, old) == [
        "role authenticated: statement_timeout is 8s on new but 15s on old",
        "role authenticator: pgrst.db_schemas = public, reporting on old but not on new",
    ]


def test_app_settings_keep_their_values_hidden_and_jwt_settings_are_the_project_s_own() -> None:
    old = {
        ("the database", "app.settings.jwt_secret"): "old-project-secret",
        ("the database", "app.settings.report_key"): "k-old-1234",
        ("role service_role", "app.region"): "eu",
    }
    new = {("the database", "app.settings.report_key"): "k-new-5678"}
    lines = role_setting_differences(new, old)
    assert lines == [
        "role service_role: app.region is set on old but not on new",
        "the database: app.settings.report_key differs from old (values not shown)",
    ]
    assert not any("k-old" in line or "k-new" in line or "secret" in line for line in lines)


def test_the_snapshot_keeps_app_settings_sealed_and_no_project_jwt_setting() -> None:
    """What the committed snapshot keeps: PostgreSQL's and PostgREST's values as they are,
    app.* settings as set (never their values, which may be secrets), no project JWT setting."""
    taken = {
        ("role authenticated", "statement_timeout"): "15s",
        ("role authenticator", "pgrst.db_schemas"): "public, reporting",
        ("the database", "app.settings.report_key"): "k-old-1234",
        ("the database", "app.settings.jwt_secret"): "old-project-secret",
    }
    assert sealed_role_settings(taken) == {
        ("role authenticated", "statement_timeout"): "15s",
        ("role authenticator", "pgrst.db_schemas"): "public, reporting",
        ("the database", "app.settings.report_key"): SET,
    }


def test_against_the_snapshot_app_settings_count_by_presence_and_the_snapshot_is_named() -> None:
    snapshot = sealed_role_settings(
        {
            ("role authenticated", "statement_timeout"): "15s",
            ("the database", "app.settings.report_key"): "k-old-1234",
            ("role service_role", "app.region"): "eu",
        }
    )
    new = {
        ("role authenticated", "statement_timeout"): "8s",
        ("the database", "app.settings.report_key"): "k-new-5678",  # set: its value is new's own
    }
    lines = role_setting_differences(sealed_role_settings(new), snapshot, old_name="the snapshot")
    assert lines == [
        "role authenticated: statement_timeout is 8s on new but 15s on the snapshot",
        "role service_role: app.region is set on the snapshot but not on new",
    ]
