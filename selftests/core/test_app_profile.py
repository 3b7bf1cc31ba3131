"""The app profile names the app's tables by role: ``[app.table_names]`` carries through to every
list the checks iterate, and a role nobody knows is one clear line (exit 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmigration.app_profile import TABLE_ROLES, AppProfile, load_app_profile
from postmigration.cleanup import sweep_columns
from postmigration.errors import MalformedConfigError
from selftests.core.conftest import FakeSupabase, run, write_config

ROOT = Path(__file__).resolve().parents[2]


def _load(app: dict[str, object]) -> AppProfile:
    return load_app_profile(app, "postmigration.toml", ROOT, ROOT)


def test_defaults_name_each_table_by_its_role() -> None:
    """With no [app] at all, every role is the reference app's table of that name."""
    profile = _load({})
    assert {role: profile.table(role) for role in TABLE_ROLES} == {r: r for r in TABLE_ROLES}
    assert profile.tables == TABLE_ROLES
    assert profile.owned_tables["goals"] == "owner_id"
    assert profile.url_columns["courses"] == ("thumbnail_url",)
    # The dataclass's own defaults agree with what the loader builds.
    plain = AppProfile()
    assert plain.tables == profile.tables
    assert plain.private_tables == profile.private_tables
    assert dict(plain.owned_tables) == dict(profile.owned_tables)
    assert dict(plain.url_columns) == dict(profile.url_columns)


def test_a_renamed_table_carries_through_every_list() -> None:
    """courses -> catalogue_courses and goals -> life_goals reach table(), tables, private,
    owned and URL columns, and the cleanup sweep; no list keeps the old name."""
    profile = _load({"table_names": {"courses": "catalogue_courses", "goals": "life_goals"}})
    assert profile.table("courses") == "catalogue_courses"
    assert profile.table("goals") == "life_goals"
    assert profile.table("lessons") == "lessons"
    assert "catalogue_courses" in profile.tables and "life_goals" in profile.tables
    assert "courses" not in profile.tables and "goals" not in profile.tables
    assert len(profile.tables) == len(TABLE_ROLES)
    assert "life_goals" in profile.private_tables and "goals" not in profile.private_tables
    assert profile.owned_tables["life_goals"] == "owner_id"
    assert "goals" not in profile.owned_tables
    assert profile.url_columns["catalogue_courses"] == ("thumbnail_url",)
    assert "courses" not in profile.url_columns
    columns = sweep_columns(profile)
    assert columns["catalogue_courses"] == "title" and columns["life_goals"] == "title"
    assert "courses" not in columns and "goals" not in columns


def test_explicit_lists_still_win_over_the_derived_ones() -> None:
    """A user who lists tables, owned_tables or url_columns gets exactly those."""
    profile = _load(
        {
            "table_names": {"courses": "catalogue_courses"},
            "tables": ["catalogue_courses", "profiles"],
            "owned_tables": {"journal": "author_id"},
            "url_columns": {"catalogue_courses": ["cover_url"]},
        }
    )
    assert profile.tables == ("catalogue_courses", "profiles")
    assert dict(profile.owned_tables) == {"journal": "author_id"}
    assert dict(profile.url_columns) == {"catalogue_courses": ("cover_url",)}


def test_an_unknown_role_is_one_line_naming_the_known_roles() -> None:
    with pytest.raises(MalformedConfigError) as raised:
        _load({"table_names": {"course": "catalogue_courses"}})
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(
        "postmigration.toml: [app.table_names] has an unknown role 'course' (known: admin_logs, "
    )
    assert all(role in message for role in TABLE_ROLES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["courses"], '[app.table_names] must map names to strings ("...")'),
        ({"courses": 3}, '[app.table_names] must map names to strings ("...")'),
        ({"courses": "  "}, '[app.table_names] courses is empty (name the table, e.g. "courses")'),
    ],
)
def test_a_malformed_mapping_is_named(value: object, expected: str) -> None:
    with pytest.raises(MalformedConfigError, match=r"^postmigration\.toml: ") as raised:
        _load({"table_names": value})
    assert str(raised.value) == f"postmigration.toml: {expected}"


def test_asking_for_a_role_the_profile_lacks_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="no table role 'course' in the app profile"):
        AppProfile().table("course")


def test_the_file_reaches_the_app_profile_fixture(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    """[app.table_names] in postmigration.toml is what a test's app_profile fixture says."""
    write_config(
        pytester, fake_supabase.url, extra='[app.table_names]\ncourses = "catalogue_courses"\n'
    )
    pytester.makepyfile(
        test_profile="""
import pytest

@pytest.mark.item("admin-course")
def test_table(app_profile):
    assert app_profile.table("courses") == "catalogue_courses"
    assert "catalogue_courses" in app_profile.tables
    assert "courses" not in app_profile.tables
    assert app_profile.url_columns["catalogue_courses"] == ("thumbnail_url",)
"""
    )
    result = run(pytester, "--target=new")
    result.assert_outcomes(passed=1)


def test_an_unknown_role_in_the_file_is_exit_4_with_one_line(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url, extra='[app.table_names]\ncourse = "catalogue"\n')
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = run(pytester, "--target=new")
    assert result.ret == pytest.ExitCode.USAGE_ERROR == 4
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    assert errors[0].startswith(
        "ERROR: postmigration.toml: [app.table_names] has an unknown role 'course' (known: "
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_storage_sample_defaults_to_20_and_a_bad_one_is_one_line() -> None:
    assert _load({}).storage_sample == 20
    assert _load({"storage_sample": 500}).storage_sample == 500
    for bad in (0, -1, "20", True, 2.5):
        with pytest.raises(MalformedConfigError) as raised:
            _load({"storage_sample": bad})
        assert str(raised.value) == (
            "postmigration.toml: [app] storage_sample must be a whole number of at least 1 "
            f"(objects downloaded per bucket), got {bad!r}"
        )


def test_function_secrets_default_to_the_reference_app_s_and_the_platform_s_are_refused() -> None:
    """The reference app's functions need five secrets; a team lists its own (duplicates
    kept once); a SUPABASE_* name (each project sets those itself) or a non-list is one line."""
    assert _load({}).function_secrets == (
        "EMAIL_FROM",
        "RESEND_API_KEY",
        "SITE_URL",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_TOKEN",
    )
    assert _load({"function_secrets": ["A", "B", "A"]}).function_secrets == ("A", "B")
    assert _load({"function_secrets": []}).function_secrets == ()
    with pytest.raises(MalformedConfigError) as reserved:
        _load({"function_secrets": ["STRIPE_KEY", "SUPABASE_URL"]})
    assert str(reserved.value) == (
        "postmigration.toml: [app] function_secrets lists SUPABASE_URL, one of the platform's "
        "own secrets (SUPABASE_*, set by every project itself): leave it out"
    )
    with pytest.raises(MalformedConfigError, match=r"\[app\] function_secrets must be a list"):
        _load({"function_secrets": "RESEND_API_KEY"})


def test_supabase_config_defaults_to_the_reference_app_s_and_is_relative_to_the_file() -> None:
    """The Supabase CLI's config.toml auth-settings compares with when old is absent: the
    reference app's by default (it exists), a team's own path taken from its config's folder."""
    assert _load({}).supabase_config == ROOT / "reference" / "supabase" / "config.toml"
    assert _load({}).supabase_config.is_file()
    own = load_app_profile({"supabase_config": "app/supabase/config.toml"}, "x", Path("/t"), ROOT)
    assert own.supabase_config == Path("/t/app/supabase/config.toml")


def test_an_empty_supabase_config_names_none() -> None:
    """`supabase_config = ""`: the app keeps no project file the gate may trust (a file kept
    for local development only), so nothing stands in for old on auth settings."""
    assert _load({"supabase_config": ""}).supabase_config is None
