"""``check``'s lines for a URL that is not Supabase and for auth down, against a fake target."""

from __future__ import annotations

from pathlib import Path

from postmigration.config import Environment
from postmigration.readiness import NOT_READY, run_check

from .conftest import ANON_KEY, SERVICE_KEY, FakeSupabase

ROOT = Path(__file__).resolve().parents[2]


def _run(
    fake: FakeSupabase, tmp_path: Path, env: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    config = tmp_path / "postmigration.toml"
    config.write_text(
        f'[targets.new]\nsupabase_url = "{fake.url}"\nanon_key = "{ANON_KEY}"\n'
        f'service_role_key = "{SERVICE_KEY}"\n'
        '[accounts.admin]\nemail = "qa-admin@example.com"\npassword = "admin-password-123"\n'
    )
    lines: list[str] = []
    code = run_check(
        target_name="new",
        pm_config=str(config),
        compare_to=None,
        cwd=tmp_path,
        root=ROOT,
        say=lines.append,
        env=Environment(env or {}),
    )
    return code, lines


def test_a_url_that_is_not_supabase_names_the_answer(
    fake_supabase: FakeSupabase, tmp_path: Path
) -> None:
    """REST answers 404: supabase_url does not answer like Supabase; nothing else is tried on it."""
    fake_supabase.statuses["rest"] = 404
    code, lines = _run(fake_supabase, tmp_path)
    assert code == NOT_READY
    problems = [line for line in lines if line.startswith("PROBLEM")]
    assert problems == [
        f"PROBLEM target 'new': supabase_url {fake_supabase.url} does not answer like Supabase "
        "(GET /rest/v1/ → 404)"
    ]
    assert "note    accounts not tried: fix supabase_url of target 'new' first" in lines
    assert not any(
        secret in "\n".join(lines) for secret in (ANON_KEY, SERVICE_KEY, "admin-password-123")
    )


def test_auth_down_is_one_line_and_the_accounts_wait(
    fake_supabase: FakeSupabase, tmp_path: Path
) -> None:
    """GoTrue's health 503: one problem line; keys and sign-ins are not tried against it."""
    fake_supabase.statuses["auth"] = 503
    code, lines = _run(fake_supabase, tmp_path)
    assert code == NOT_READY
    assert [line for line in lines if line.startswith("PROBLEM")] == [
        "PROBLEM target 'new': auth is down (GET /auth/v1/health → 503)"
    ]
    assert not any("/auth/v1/token" in path for path in fake_supabase.requests)


def test_no_db_url_is_a_note_not_a_problem(fake_supabase: FakeSupabase, tmp_path: Path) -> None:
    """Without db_url the line says which checks will be NOT VERIFIED and which variable to set."""
    fake_supabase.statuses["auth"] = 503
    _, lines = _run(fake_supabase, tmp_path)
    assert (
        "note    target 'new': no db_url, so the database checks will be NOT VERIFIED "
        "(set NEW_SUPABASE_DB_URL)"
    ) in lines


def test_an_empty_line_in_dotenv_is_not_a_value(tmp_path: Path) -> None:
    """``NAME=`` copied from .env.example and not filled in counts as not set."""
    (tmp_path / ".env").write_text("NEW_SUPABASE_DB_URL=\nNEW_SITE_URL=https://app.example.com\n")
    env = Environment({}, tmp_path / ".env")
    assert env.get("NEW_SUPABASE_DB_URL") is None
    assert env.get("NEW_SITE_URL") == ("https://app.example.com", ".env (NEW_SITE_URL)")


def test_a_public_key_that_lists_users_is_a_problem(
    fake_supabase: FakeSupabase, tmp_path: Path
) -> None:
    """A target that lets the configured public key list users (a server key in anon_key's
    place, or a gateway that ignores the key): one problem line naming the setting."""
    fake_supabase.statuses.update(settings=200, admin=200)
    code, lines = _run(fake_supabase, tmp_path)
    assert code == NOT_READY
    problems = [line for line in lines if line.startswith("PROBLEM")]
    assert (
        "PROBLEM target 'new': anon_key may list users (GET /auth/v1/admin/users → 200): it is a "
        "server key; set the project's public key there"
    ) in problems, lines
    assert "ok      target 'new': service_role_key accepted (GET /auth/v1/admin/users → 200)" in (
        lines
    ), lines
