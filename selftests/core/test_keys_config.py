"""The current API keys in the config: kinds, a key in the wrong setting, headers, redaction."""

from __future__ import annotations

import pytest

from postmigration.config import ConfigFile, Environment, load_target
from postmigration.keys import WrongKeyError, api_headers
from postmigration.redact import REDACTED, Redactor
from selftests.core.conftest import FakeSupabase, passing_suite, run, summary

PUBLISHABLE = "sb_publishable_AbCdEfGhIjKlMnOpQrStUv_12345678"
SECRET = "sb_secret_ZyXwVuTsRqPoNmLkJiHgFe_87654321"
ANON_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2ln"  # {"role":"anon"}
SERVICE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2ln"  # service_role


def _target(**table: str):  # type: ignore[no-untyped-def]
    config = ConfigFile(
        None, "test", {"targets": {"new": {"supabase_url": "https://x.co", **table}}}
    )
    return load_target("new", config, Environment({}))


def test_kinds_and_the_keys_each_kind_uses() -> None:
    """new, legacy and both: the public and server keys are the current ones when present."""
    new = _target(publishable_key=PUBLISHABLE, secret_key=SECRET)
    assert (new.key_kind, new.public_key, new.server_key) == ("new", PUBLISHABLE, SECRET)
    legacy = _target(anon_key=ANON_JWT, service_role_key=SERVICE_JWT)
    assert (legacy.key_kind, legacy.public_key) == ("legacy", ANON_JWT)
    both = _target(
        anon_key=ANON_JWT,
        service_role_key=SERVICE_JWT,
        publishable_key=PUBLISHABLE,
        secret_key=SECRET,
    )
    assert (both.key_kind, both.public_key, both.server_key) == ("both", PUBLISHABLE, SECRET)
    assert set(both.secrets) >= {ANON_JWT, SERVICE_JWT, PUBLISHABLE, SECRET}
    # a project half-way through: each use takes its current key when there is one
    mixed = _target(publishable_key=PUBLISHABLE, service_role_key=SERVICE_JWT)
    assert (mixed.key_kind, mixed.public_key, mixed.server_key) == (
        "mixed",
        PUBLISHABLE,
        SERVICE_JWT,
    )
    mixed = _target(anon_key=ANON_JWT, secret_key=SECRET)
    assert (mixed.key_kind, mixed.public_key, mixed.server_key) == ("mixed", ANON_JWT, SECRET)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            {"publishable_key": SECRET, "secret_key": SECRET},
            "target 'new': publishable_key holds a secret key (sb_secret_…); expected a publishable"
            " key (sb_publishable_…) (fix NEW_SUPABASE_PUBLISHABLE_KEY or publishable_key in"
            " [targets.new])",
        ),
        (
            {"publishable_key": PUBLISHABLE, "secret_key": PUBLISHABLE},
            "target 'new': secret_key holds a publishable key (sb_publishable_…); expected a secret"
            " key (sb_secret_…) (fix NEW_SUPABASE_SECRET_KEY or secret_key in [targets.new])",
        ),
        (
            {"publishable_key": "pk_live_123456789012345", "secret_key": SECRET},
            "target 'new': publishable_key holds neither a publishable/secret key nor a JWT;"
            " expected a publishable key (sb_publishable_…) (fix NEW_SUPABASE_PUBLISHABLE_KEY or"
            " publishable_key in [targets.new])",
        ),
        (
            {"anon_key": SERVICE_JWT, "service_role_key": SERVICE_JWT},
            "target 'new': anon_key holds a legacy JWT key with role service_role; expected the"
            " legacy anon key (a JWT with role anon) (fix NEW_SUPABASE_ANON_KEY or anon_key in"
            " [targets.new])",
        ),
        (
            {"anon_key": SECRET, "service_role_key": SERVICE_JWT},
            "target 'new': anon_key holds a secret key (sb_secret_…); expected the legacy anon key"
            " (a JWT with role anon) (fix NEW_SUPABASE_ANON_KEY or anon_key in [targets.new])",
        ),
    ],
)
def test_a_key_in_the_wrong_setting_is_one_line_without_the_value(
    table: dict[str, str], expected: str
) -> None:
    """The message names the setting, what it holds and what was expected, never the key."""
    with pytest.raises(WrongKeyError) as caught:
        _target(**table)
    assert str(caught.value) == expected
    assert SECRET not in str(caught.value) and SERVICE_JWT not in str(caught.value)


def test_missing_server_key_names_the_kind_in_use() -> None:
    """A target with a publishable key and no server key is told to set the secret key."""
    with pytest.raises(Exception, match=r"has no secret_key \(set NEW_SUPABASE_SECRET_KEY"):
        _target(publishable_key=PUBLISHABLE)


def test_current_keys_go_in_apikey_and_bearer_only_as_its_twin() -> None:
    """A user's token is the Bearer beside the key; without one the Bearer is the key itself."""
    assert api_headers(PUBLISHABLE, "user.jwt.token") == {
        "apikey": PUBLISHABLE,
        "Authorization": "Bearer user.jwt.token",
    }
    assert api_headers(SECRET) == {"apikey": SECRET, "Authorization": f"Bearer {SECRET}"}


def test_any_secret_key_in_output_is_redacted() -> None:
    """An sb_secret_ value nobody configured (e.g. echoed by a server) is still scrubbed."""
    text = 'answer {"key": "sb_secret_SomeOtherProject_0123abcd", "p": "sb_publishable_ok"}'
    scrubbed = Redactor().scrub(text)
    assert "sb_secret_" not in scrubbed and REDACTED in scrubbed
    assert "sb_publishable_ok" in scrubbed


def test_a_secret_key_as_the_publishable_one_stops_the_run_before_any_request(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    """Exit 4 with one line naming the setting; the target receives no request at all."""
    pytester.makefile(
        ".toml",
        postmigration=f'[targets.new]\nsupabase_url = "{fake_supabase.url}"\n'
        f'publishable_key = "{SECRET}"\nsecret_key = "{SECRET}"\n',
    )
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1 and "publishable_key holds a secret key" in errors[0], errors
    assert SECRET not in result.stdout.str() + result.stderr.str()
    assert fake_supabase.requests == []


def test_header_says_which_keys_the_run_used(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    """A target with the current keys only: the header says `api keys: new`."""
    pytester.makefile(
        ".toml",
        postmigration=f'[targets.new]\nsupabase_url = "{fake_supabase.url}"\n'
        f'publishable_key = "{PUBLISHABLE}"\nsecret_key = "{SECRET}"\n',
    )
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    result.stdout.fnmatch_lines(["api keys: new (publishable and secret keys)"])
    assert summary(pytester)["target"]["name"] == "new"


def test_an_empty_variable_is_a_setting_not_given() -> None:
    """A CI secret store hands an unset secret over as "" (GitHub Actions does): it must not
    blank the key the config file holds, nor count as a key given."""
    config = ConfigFile(
        None,
        "test",
        {"targets": {"new": {"supabase_url": "https://x.co", "publishable_key": PUBLISHABLE}}},
    )
    environ = {"NEW_SUPABASE_PUBLISHABLE_KEY": "", "NEW_SUPABASE_SECRET_KEY": ""}
    environ["NEW_SUPABASE_SERVICE_ROLE_KEY"] = SERVICE_JWT
    target = load_target("new", config, Environment(environ))
    assert (target.public_key, target.server_key) == (PUBLISHABLE, SERVICE_JWT)
