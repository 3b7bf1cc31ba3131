"""Where settings come from (command line > environment > .env > file) and bad-config messages."""

from __future__ import annotations

import pytest

from selftests.core.conftest import (
    ANON_KEY,
    FakeSupabase,
    passing_suite,
    run,
    summary,
    write_config,
)


def _assert_one_line_usage_error(result: pytest.RunResult, expected: str) -> None:
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert errors == [f"ERROR: {expected}"], errors
    everything = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in everything
    assert "GO" not in everything.replace("NO-GO", "")


def test_target_option_beats_environment(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(
        pytester,
        fake_supabase.url,
        extra=f'[targets.old]\nsupabase_url = "http://127.0.0.1:9"\nanon_key = "{ANON_KEY}"\n'
        'service_role_key = "old-service-key-123"\n',
    )
    monkeypatch.setenv("POSTMIGRATION_TARGET", "old")
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    assert summary(pytester)["target"]["name"] == "new"
    result.stdout.fnmatch_lines([f"target: new ({fake_supabase.url}) from postmigration.toml"])


def test_environment_target_is_used_without_the_option(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(pytester, fake_supabase.url)
    monkeypatch.setenv("POSTMIGRATION_TARGET", "new")
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester)
    assert result.ret == 0
    assert summary(pytester)["target"]["name"] == "new"


def test_environment_beats_dotenv_beats_file_and_header_says_so(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file points at a dead port; the environment moves the target to the live fake.
    write_config(pytester, "http://127.0.0.1:9")
    monkeypatch.setenv("NEW_SUPABASE_URL", fake_supabase.url)
    (pytester.path / ".env").write_text(
        "NEW_SUPABASE_URL=http://127.0.0.1:10\nNEW_SITE_URL=https://app.example.com\n"
    )
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    assert result.ret == 0
    target = summary(pytester)["target"]
    assert target["supabase_url"] == fake_supabase.url
    assert target["site_url"] == "https://app.example.com"
    result.stdout.fnmatch_lines(
        [
            f"target: new ({fake_supabase.url}) from environment (NEW_SUPABASE_URL)",
            "*supabase_url from environment (NEW_SUPABASE_URL)",
            "*anon_key, service_role_key from postmigration.toml",
            "*site_url from .env (NEW_SITE_URL)",
        ]
    )


def test_file_refers_to_environment_variables(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makefile(
        ".toml",
        postmigration=f"""
[targets.new]
supabase_url = "{fake_supabase.url}"
anon_key = "${{MY_ANON}}"
service_role_key = "${{MY_SERVICE}}"
""",
    )
    monkeypatch.setenv("MY_ANON", ANON_KEY)
    monkeypatch.setenv("MY_SERVICE", "service-key-from-env")
    pytester.makepyfile(
        test_keys="""
import pytest

@pytest.mark.item("login")
def test_keys(target):
    assert target.service_role_key == "service-key-from-env"
"""
    )
    result = run(pytester, "--target=new")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*service_role_key from ${MY_SERVICE} in postmigration.toml*"])


def test_pm_config_option_beats_environment_variable(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(pytester, fake_supabase.url)
    moved = pytester.path / "elsewhere.toml"
    config.rename(moved)
    monkeypatch.setenv("POSTMIGRATION_CONFIG", str(pytester.path / "missing.toml"))
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new", f"--pm-config={moved}")
    assert result.ret == 0


def test_unknown_target_lists_the_known_ones(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    result = run(pytester, "--target=nwe")
    _assert_one_line_usage_error(
        result,
        "unknown target 'nwe' in postmigration.toml (known: new; add [targets.nwe] "
        "or pick one of those)",
    )


def test_missing_key_names_the_environment_variable(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    pytester.makefile(
        ".toml",
        postmigration=f'[targets.new]\nsupabase_url = "{fake_supabase.url}"\n'
        f'anon_key = "{ANON_KEY}"\n',
    )
    result = run(pytester, "--target=new")
    _assert_one_line_usage_error(
        result,
        "target 'new' has no service_role_key (set NEW_SUPABASE_SERVICE_ROLE_KEY, "
        "or service_role_key in [targets.new] of postmigration.toml)",
    )


def test_unset_variable_reference_names_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        postmigration='[targets.new]\nsupabase_url = "https://x.supabase.co"\n'
        'anon_key = "a"\nservice_role_key = "${NEW_SUPABASE_SERVICE_ROLE_KEY}"\n',
    )
    result = run(pytester, "--target=new")
    _assert_one_line_usage_error(
        result,
        "postmigration.toml: [targets.new] service_role_key needs "
        "${NEW_SUPABASE_SERVICE_ROLE_KEY}, which is not set "
        "(export NEW_SUPABASE_SERVICE_ROLE_KEY or add it to .env)",
    )


def test_malformed_toml_names_file_and_line(pytester: pytest.Pytester) -> None:
    path = pytester.makefile(
        ".toml",
        postmigration='[targets.new]\nsupabase_url = "https://x"\nanon_key = \nservice_role_key = "s"\n',
    )
    result = run(pytester, "--target=new")
    _assert_one_line_usage_error(
        result,
        f"{path}: not valid TOML: Invalid value (at line 3, column 12) (fix the syntax there)",
    )


def test_a_url_that_is_not_one(pytester: pytest.Pytester) -> None:
    write_config(pytester, "abc.supabase.co")
    result = run(pytester, "--target=new")
    _assert_one_line_usage_error(
        result,
        "target 'new': supabase_url 'abc.supabase.co' is not a URL "
        "(write it in full, e.g. https://<project>.supabase.co)",
    )


def test_a_db_url_that_is_not_one_is_named_without_echoing_it(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    pytester.makefile(
        ".toml",
        postmigration=f'[targets.new]\nsupabase_url = "{fake_supabase.url}"\n'
        f'anon_key = "{ANON_KEY}"\nservice_role_key = "s3rvice-key"\n'
        'db_url = "mysql://root:hunter22@db/x"\n',
    )
    result = run(pytester, "--target=new")
    _assert_one_line_usage_error(
        result,
        "target 'new': db_url is not a PostgreSQL URL "
        "(expected postgresql://USER:PASSWORD@HOST:5432/postgres)",
    )


def test_no_config_at_all(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--target=new")
    _assert_one_line_usage_error(
        result,
        "unknown target 'new': no postmigration.toml found (create one with [targets.new], "
        "or set NEW_SUPABASE_URL, NEW_SUPABASE_ANON_KEY and NEW_SUPABASE_SERVICE_ROLE_KEY)",
    )


def test_missing_config_file_option(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--target=new", "--pm-config=nope.toml")
    _assert_one_line_usage_error(
        result,
        f"--pm-config names {pytester.path / 'nope.toml'}, which does not exist (check the path)",
    )


def test_a_misspelt_setting_is_named(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".toml",
        postmigration='[targets.new]\nsupabase_url = "https://x.supabase.co"\nanon_key = "a"\n'
        'service_role_key = "b"\nsite_ulr = "https://app"\n',
    )
    result = run(pytester, "--target=new")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0].startswith(
        "ERROR: postmigration.toml: [targets.new] has an unknown setting 'site_ulr' (known: "
    )
