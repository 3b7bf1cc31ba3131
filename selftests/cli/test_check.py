"""``python -m postmigration check`` against a running stand-in, run as a user runs it.

Each broken setting gives one line naming the setting and the answer it got, a non-zero exit,
no traceback, and never the secret itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w

from postmigration.__main__ import main
from reference.stack.runner import StackProcess

ROOT = Path(__file__).resolve().parents[2]


def _check(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "postmigration", "check", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **(env or {})},
    )
    return done, time.monotonic() - started


def _secrets(stack: StackProcess) -> list[str]:
    target = stack.target
    db_password = re.search(r"://[^:]+:([^@]+)@", target["db_url"])
    assert db_password is not None
    return [
        target["anon_key"],
        target["service_role_key"],
        db_password.group(1),
        *(account["password"] for account in stack.accounts.values()),
    ]


def _problems(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("PROBLEM")]


def test_a_healthy_stand_in_is_ready(stack: StackProcess, tmp_path: Path) -> None:
    """Every check ok on the seeded stand-in: exit 0, within seconds, no secret printed."""
    config = stack.state_dir / "postmigration.toml"
    done, took = _check("--target=local", f"--pm-config={config}", cwd=tmp_path)
    print(f"check took {took:.1f}s")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert not _problems(done.stdout)
    for words in (
        "answers (GET /rest/v1/)",
        "anon_key accepted",
        "service_role_key accepted",
        "database answers select 1",
        "account 'admin'",
        "account 'invitee'",
    ):
        assert any(words in line for line in lines), words
    assert lines[-1].startswith("ready:")
    assert not any(secret in done.stdout + done.stderr for secret in _secrets(stack))
    assert took < 30


def test_the_file_init_writes_gives_a_ready_run(stack: StackProcess, tmp_path: Path) -> None:
    """init on a CLI project, then the user's .env filled from the stand-in: check says ready."""
    project = tmp_path / "shop"
    (project / "supabase").mkdir(parents=True)
    (project / "supabase" / "config.toml").write_text(
        '[storage.buckets.avatars]\npublic = true\nfile_size_limit = "2MiB"\n'
    )
    init = subprocess.run(
        [sys.executable, "-m", "postmigration", "init"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert init.returncode == 0, init.stderr
    target, accounts = stack.target, stack.accounts
    values = {
        "SUPABASE_URL": target["supabase_url"],
        "SUPABASE_ANON_KEY": target["anon_key"],
        "SUPABASE_SERVICE_ROLE_KEY": target["service_role_key"],
        "SUPABASE_DB_URL": target["db_url"],
    }
    dotenv = {f"{side}_{name}": value for side in ("NEW", "OLD") for name, value in values.items()}
    dotenv |= {"NEW_SITE_URL": target["site_url"], "RESEND_API_KEY": "re_test_key_123"}
    for role, account in accounts.items():
        dotenv[f"QA_{role.upper()}_EMAIL"] = account["email"]
        dotenv[f"QA_{role.upper()}_PASSWORD"] = account["password"]
    example = (project / ".env.example").read_text()
    filled = re.sub(
        r"^([A-Z_]+)=$", lambda m: f"{m[1]}={dotenv.get(m[1], '')}", example, flags=re.M
    )
    (project / ".env").write_text(filled)

    done, _ = _check("--target=new", "--compare-to=old", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "target 'old': database answers select 1" in done.stdout
    assert not any(secret in done.stdout + done.stderr for secret in _secrets(stack))


BROKEN = {
    "anon key": (
        {"LOCAL_SUPABASE_ANON_KEY": "wrong-anon-key-0123456789"},
        "target 'local': anon_key was refused (GET /auth/v1/settings → 401 Invalid API key)",
    ),
    "service key": (
        {"LOCAL_SUPABASE_SERVICE_ROLE_KEY": "wrong-service-key-0123456789"},
        "target 'local': service_role_key was refused (GET /auth/v1/admin/users → 401 Invalid API key)",
    ),
    "url": (
        {"LOCAL_SUPABASE_URL": "http://127.0.0.1:1"},
        "target 'local': supabase_url http://127.0.0.1:1 unreachable (connection refused)",
    ),
    "db password": (
        {"LOCAL_SUPABASE_DB_URL": "DB_URL_WITH_WRONG_PASSWORD"},
        "target 'local': db_url: cannot connect to the database at 127.0.0.1:PORT/postgres: password authentication failed for user \"postgres\"",
    ),
    "account password": (
        {},
        "account 'admin' (EMAIL): sign-in refused: invalid_credentials "
        "(POST /auth/v1/token → 400 Invalid login credentials)",
    ),
}


@pytest.mark.parametrize("broken", list(BROKEN))
def test_a_broken_setting_is_one_line_naming_it(
    stack: StackProcess, tmp_path: Path, broken: str
) -> None:
    """Wrong anon key, service key, URL, DB password or account password: one PROBLEM line each."""
    env, expected = BROKEN[broken]
    config = tomllib.loads((stack.state_dir / "postmigration.toml").read_text())
    wrong = "wrong-password-0123456789"
    db_url = config["targets"]["local"]["db_url"]
    if broken == "account password":
        config["accounts"]["admin"]["password"] = wrong
    if broken == "db password":
        env = {"LOCAL_SUPABASE_DB_URL": re.sub(r"(://[^:]+:)[^@]+@", rf"\1{wrong}@", db_url)}
    path = tmp_path / "postmigration.toml"
    path.write_text(tomli_w.dumps(config))
    expected = expected.replace("EMAIL", config["accounts"]["admin"]["email"])
    expected = expected.replace("PORT", str(re.search(r":(\d+)/", db_url)[1]))  # type: ignore[index]

    done, took = _check("--target=local", f"--pm-config={path}", cwd=tmp_path, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert _problems(done.stdout) == [f"PROBLEM {expected}"], output
    assert "Traceback" not in output
    given = [v for k, v in env.items() if k.endswith("_KEY")]
    assert not any(secret in output for secret in (*_secrets(stack), wrong, *given))
    assert done.stdout.splitlines()[-1].startswith("not ready: 1 problem(s)")
    assert took < 30


def test_a_service_key_given_as_anon_key_is_a_config_mistake(
    stack: StackProcess, tmp_path: Path
) -> None:
    """The service role's JWT given as anon_key is refused before any request: exit 4, one line
    naming the setting and what it expected, the key itself never shown."""
    service_key = str(stack.target["service_role_key"])
    path = stack.state_dir / "postmigration.toml"
    env = {"LOCAL_SUPABASE_ANON_KEY": service_key}
    done, _ = _check("--target=local", f"--pm-config={path}", cwd=tmp_path, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 4, output
    assert "anon_key holds a legacy JWT key with role service_role" in output, output
    assert service_key not in output and "Traceback" not in output


def _check_here(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cwd: Path, *args: str
) -> tuple[int, str]:
    """``check`` in this process from ``cwd`` (an escaping exception fails the test): code, stderr."""
    monkeypatch.chdir(cwd)
    for name in ("POSTMIGRATION_TARGET", "POSTMIGRATION_CONFIG", "LOCAL_SUPABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    code = main(["check", *args])
    return code, capsys.readouterr().err


def test_a_config_mistake_is_exit_4_with_the_gates_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown target, a missing key: exit 4 and the same line the gate prints."""
    path = tmp_path / "postmigration.toml"
    path.write_text('[targets.new]\nsupabase_url = "https://x.supabase.co"\n')
    code, err = _check_here(capsys, monkeypatch, tmp_path, "--target=nwe")
    assert code == 4
    assert err.strip() == (
        "check: unknown target 'nwe' in postmigration.toml "
        "(known: new; add [targets.nwe] or pick one of those)"
    )
    monkeypatch.delenv("NEW_SUPABASE_ANON_KEY", raising=False)
    code, err = _check_here(capsys, monkeypatch, tmp_path, "--target=new", f"--pm-config={path}")
    assert code == 4 and "target 'new' has no anon_key" in err


def test_usage_mistakes_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No target, or the stand-in target the gate starts itself: exit 2, one line."""
    code, err = _check_here(capsys, monkeypatch, tmp_path)
    assert code == 2 and "--target=NAME" in err
    code, err = _check_here(capsys, monkeypatch, tmp_path, "--target=local")
    assert code == 2 and "--target=local" in err and err.strip().count("\n") == 0
