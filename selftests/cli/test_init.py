"""``python -m postmigration init``: the file it writes loads with the project's own loader."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from postmigration.__main__ import main
from postmigration.app_profile import AppProfile
from postmigration.config import Environment, read_config_file
from postmigration.errors import MalformedConfigError
from postmigration.init import ENV_VARIABLES, size_in_bytes
from postmigration.session import build_run_config
from postmigration.storage import BucketSpec

ROOT = Path(__file__).resolve().parents[2]

# A Supabase CLI config.toml as `supabase init` writes it, with buckets, functions and secrets.
CLI_CONFIG = """\
project_id = "shop"

[api]
enabled = true
port = 54321

[storage]
enabled = true
file_size_limit = "50MiB"

[storage.buckets.avatars]
public = true
file_size_limit = "2MiB"
allowed_mime_types = ["image/png", "image/jpeg"]

[storage.buckets.invoices]
public = false
file_size_limit = "500KB"

[storage.buckets."user uploads"]
allowed_mime_types = ["application/pdf"]

[auth]
site_url = "http://127.0.0.1:3000"

[auth.external.apple]
enabled = false
secret = "env(SUPABASE_AUTH_EXTERNAL_APPLE_SECRET)"

[edge_runtime.secrets]
resend = "env(RESEND_API_KEY)"
stripe = "sk_live_do_not_copy_me"

[functions.send-receipt]
verify_jwt = false

[functions.old-thing]
enabled = false
"""

# Every variable the written file refers to, with a value, as a user's .env would have them.
FILLED = {name: f"value-of-{name.lower()}" for name, _ in ENV_VARIABLES} | {
    "NEW_SUPABASE_URL": "https://new.example.supabase.co",
    "OLD_SUPABASE_URL": "https://old.example.supabase.co",
    "NEW_SITE_URL": "https://app.example.com",
    "NEW_SUPABASE_DB_URL": "postgresql://postgres:pw-new-123@db.new.example:5432/postgres",
    "OLD_SUPABASE_DB_URL": "postgresql://postgres:pw-old-123@db.old.example:5432/postgres",
}


def _project(root: Path) -> Path:
    """A project folder as the Supabase CLI lays it out."""
    supabase = root / "supabase"
    (supabase / "migrations").mkdir(parents=True)
    (supabase / "migrations" / "20250101000000_init.sql").write_text("select 1;\n")
    (supabase / "migrations" / "20250201000000_more.sql").write_text("select 2;\n")
    for name in ("send-receipt", "nightly-report", "old-thing", "_shared"):
        (supabase / "functions" / name).mkdir(parents=True)
        (supabase / "functions" / name / "index.ts").write_text(
            "Deno.serve(() => new Response())\n"
        )
    (supabase / "functions" / "not-a-function").mkdir()
    (supabase / "config.toml").write_text(CLI_CONFIG)
    return root


def _load(config: Path, **run: str):
    """The written file through the gate's own loader (session.build_run_config)."""
    return build_run_config(
        target_name=run.get("target", "new"),
        config_file=read_config_file(config, "--pm-config"),
        env=Environment(FILLED),
        cwd=config.parent,
        root=ROOT,
        compare_to=run.get("compare_to", "old"),
        run_id="pm-test",
        report_dir="reports",
        dump=None,
    )


def _init(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``init`` in this process (an escaping exception fails the test): exit code, stdout, stderr."""
    code = main(["init", *args])
    said = capsys.readouterr()
    return code, said.out, said.err


def _init_as_a_user(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "postmigration", "init", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )


def test_init_maps_the_cli_config_onto_the_app_profile(tmp_path: Path, capsys) -> None:
    """Buckets with limits and mime types, functions, migrations and functions dirs land in [app]."""
    project = _project(tmp_path / "shop")
    output = project / "postmigration.toml"
    assert main(["init", "--project", str(project), "--output", str(output)]) == 0
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "3 bucket(s), 2 function(s), 2 migration(s)" in said[0]

    run = _load(output)
    profile = run.app_profile
    assert dict(profile.bucket_specs) == {
        "avatars": BucketSpec(True, 2 * 1024 * 1024, ("image/png", "image/jpeg")),
        "invoices": BucketSpec(False, 500 * 1024, None),
        "user uploads": BucketSpec(False, None, ("application/pdf",)),
    }
    assert dict(profile.buckets) == {"avatars": True, "invoices": False, "user uploads": False}
    # _shared is shared code, a folder without index.ts is none, enabled = false is not deployed.
    assert profile.functions == ("nightly-report", "send-receipt")
    assert profile.migrations_dir == project / "supabase" / "migrations"
    assert profile.functions_dir == project / "supabase" / "functions"
    assert profile.policies_snapshot == project / "supabase" / "policies.snapshot.json"
    assert profile.schema_snapshot == project / "supabase" / "schema.snapshot.json"
    # The project's config.toml is trusted for auth settings only once the team says it pushes
    # it: a file kept for `supabase start` alone would fail staging every night.
    assert profile.supabase_config is None
    assert "supabase config push" in output.read_text()
    assert not run.declared_items & {"auth-settings", "auth-config"}
    assert run.target.supabase_url == "https://new.example.supabase.co"
    assert run.target.service_role_key == FILLED["NEW_SUPABASE_SERVICE_ROLE_KEY"]
    assert run.target.inbox.resend_api_key == FILLED["RESEND_API_KEY"]
    assert (
        run.comparison_target is not None
        and run.comparison_target.db_url == FILLED["OLD_SUPABASE_DB_URL"]
    )
    assert {role: run.accounts[role].email for role in run.accounts} == {
        "admin": FILLED["QA_ADMIN_EMAIL"],
        "user": FILLED["QA_USER_EMAIL"],
        "invitee": FILLED["QA_INVITEE_EMAIL"],
    }


def test_init_writes_no_secret_and_lists_every_variable_it_uses(tmp_path: Path) -> None:
    """Keys are ${VAR} references; .env.example names each of them with an empty value."""
    project = _project(tmp_path / "shop")
    assert (
        main(["init", "--project", str(project), "--output", str(project / "postmigration.toml")])
        == 0
    )
    written = (project / "postmigration.toml").read_text()
    assert "sk_live_do_not_copy_me" not in written and "env(" not in written
    for key in ("anon_key", "service_role_key", "db_url", "password", "resend_api_key"):
        for line in written.splitlines():
            if line.startswith(f"{key} ="):
                assert re.fullmatch(rf'{key} = "\$\{{[A-Z_]+\}}"\s*(#.*)?', line), line
    example = (project / ".env.example").read_text().splitlines()
    listed = {line.split("=", 1)[0] for line in example if "=" in line and not line.startswith("#")}
    assert all(line.endswith("=") for line in example if not line.startswith("#"))
    assert set(re.findall(r"\$\{([A-Z_]+)\}", re.sub(r"#.*", "", written))) <= listed


def test_paths_are_relative_to_the_written_file(tmp_path: Path) -> None:
    """--output elsewhere: migrations_dir still finds the project's supabase/migrations."""
    project = _project(tmp_path / "shop")
    output = tmp_path / "ops" / "gate" / "postmigration.toml"
    assert main(["init", "--project", str(project), "--output", str(output)]) == 0
    assert 'migrations_dir = "../../shop/supabase/migrations"' in output.read_text()
    assert _load(output).app_profile.migrations_dir == project / "supabase" / "migrations"


def test_init_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An existing file stays as it was (one line, exit 1); --force replaces it."""
    project = _project(tmp_path / "shop")
    output = project / "postmigration.toml"
    output.write_text("# mine\n")
    code, _, err = _init(capsys, "--project", str(project), "--output", str(output))
    assert code == 1
    assert err.strip().count("\n") == 0 and "--force" in err
    assert output.read_text() == "# mine\n" and not (project / ".env.example").exists()

    (project / ".env.example").write_text("MINE=1\n")
    output.unlink()
    assert _init(capsys, "--project", str(project), "--output", str(output))[0] == 1
    assert not output.exists()

    code, _, err = _init(capsys, "--project", str(project), "--output", str(output), "--force")
    assert code == 0, err
    assert "avatars = {" in output.read_text()
    assert (project / ".env.example").read_text() != "MINE=1\n"


def test_no_supabase_folder_writes_the_skeleton_and_says_so(tmp_path: Path) -> None:
    """Without supabase/, [app] is all commented out: the profile is the reference app's."""
    output = tmp_path / "postmigration.toml"
    done = _init_as_a_user("--project", str(tmp_path), "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().count("\n") == 0 and "no supabase/ folder" in done.stdout
    assert "\n[app]" not in output.read_text() and "# [app]" in output.read_text()
    assert _load(output).app_profile == AppProfile(
        migrations_dir=ROOT / "reference/supabase/migrations",
        functions_dir=ROOT / "reference/supabase/functions",
        policies_snapshot=ROOT / "reference/supabase/policies.snapshot.json",
        schema_snapshot=ROOT / "reference/supabase/schema.snapshot.json",
        supabase_config=ROOT / "reference/supabase/config.toml",
    )


@pytest.mark.parametrize(
    ("config_toml", "words"),
    [
        ("[storage.buckets.avatars\npublic = true\n", "not valid TOML"),
        ('[storage.buckets.avatars]\nfile_size_limit = "50 parsecs"\n', "is not a size"),
        ('[storage.buckets.avatars]\npublic = "yes"\n', "public must be true or false"),
        ("[functions]\nsend = 3\n", "[functions.send] must be a table"),
    ],
)
def test_a_malformed_cli_config_is_one_line_and_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config_toml: str, words: str
) -> None:
    """A config.toml that cannot be read: exit 4, one line naming the file and the fix, nothing written."""
    (tmp_path / "supabase").mkdir()
    (tmp_path / "supabase" / "config.toml").write_text(config_toml)
    output = tmp_path / "postmigration.toml"
    code, _, err = _init(capsys, "--project", str(tmp_path), "--output", str(output))
    assert code == 4
    assert words in err and "config.toml" in err
    assert err.strip().count("\n") == 0
    assert not output.exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("50MiB", 50 * 1024**2),
        ("5MB", 5 * 1024**2),
        ("500KB", 500 * 1024),
        ("1GiB", 1024**3),
        ("32kb", 32 * 1024),
        ("2048", 2048),
        (1000, 1000),
        ("1.5MiB", 1572864),
    ],
)
def test_sizes_read_as_the_supabase_cli_reads_them(given: str | int, expected: int) -> None:
    """file_size_limit strings, as go-units' RAMInBytes reads them (binary units)."""
    assert size_in_bytes(given, "here") == expected


def test_a_size_that_is_not_one_names_the_value() -> None:
    """ "fifty" is refused with the value and an example of the right form."""
    with pytest.raises(MalformedConfigError, match="'fifty' is not a size"):
        size_in_bytes("fifty", "supabase/config.toml: [storage.buckets.a]")
