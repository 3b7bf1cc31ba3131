"""A custom schema's comparison leaves out the app's triggers on the platform's tables, which
schema-parity's public test compares once for all the app's schemas (before, a trigger on
auth.users lost on new was named by both tests)."""

from __future__ import annotations

from postmigration.db import without_platform_triggers

FACTS = {
    "trigger": {
        "on_auth_user_created on auth.users": "CREATE TRIGGER on_auth_user_created …",
        "on_avatar_deleted on storage.objects": "CREATE TRIGGER on_avatar_deleted …",
        "stats_touch on reporting.course_stats_log": "CREATE TRIGGER stats_touch …",
        'odd on "Odd Schema".t': "CREATE TRIGGER odd …",
    },
    "trigger firing": {
        "on_auth_user_created on auth.users": "O",
        "stats_touch on reporting.course_stats_log": "D",
    },
    "index": {"reporting.course_stats_log_pkey": "CREATE UNIQUE INDEX …"},
}


def test_only_triggers_on_the_schemas_own_tables_are_kept() -> None:
    kept = without_platform_triggers(FACTS, ("reporting", "Odd Schema"))
    assert kept["trigger"] == {
        "stats_touch on reporting.course_stats_log": "CREATE TRIGGER stats_touch …",
        'odd on "Odd Schema".t': "CREATE TRIGGER odd …",
    }
    assert kept["trigger firing"] == {"stats_touch on reporting.course_stats_log": "D"}


def test_other_categories_are_left_whole() -> None:
    assert without_platform_triggers(FACTS, ("reporting",))["index"] == FACTS["index"]
