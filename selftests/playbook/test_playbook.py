"""The playbook run for real (quick volume): the clean run moves everything; each fault does
its one intended damage, measured in new's database or on its disk."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from reference.playbook.errors import PlaybookError
from reference.playbook.run import Options, Playbook
from reference.stack.settings import read_env_file

from .conftest import QUICK, PlaybookRun, playbook_run, row_counts, scalar, stored_files

MIGRATIONS_SQL = (
    "select version, name, statements from supabase_migrations.schema_migrations order by version"
)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlaybookRun]:
    """One clean playbook run, serving old and new for the module."""
    with playbook_run(tmp_path_factory.mktemp("clean") / "state", *QUICK) as run:
        yield run


def test_old_was_grown_to_volume(clean: PlaybookRun) -> None:
    """Old holds 1,000+ users, 2,000 weigh-ins and more than 150 chat images."""
    counts = row_counts(clean.db("old"))
    assert counts["auth.users"] >= 1000
    assert counts["public.weight_measurements"] == 2000
    chat = scalar(
        clean.db("old"), "select count(*) from storage.objects where bucket_id = 'chat-images'"
    )
    assert chat > 150


def test_new_has_old_row_counts(clean: PlaybookRun) -> None:
    """Every public table and auth.users has as many rows on new as on old."""
    assert row_counts(clean.db("new")) == row_counts(clean.db("old"))


def test_new_has_old_migration_history(clean: PlaybookRun) -> None:
    """supabase_migrations.schema_migrations is the same list on both."""
    with psycopg.connect(clean.db("old")) as o, psycopg.connect(clean.db("new")) as n:
        old_rows = o.execute(MIGRATIONS_SQL).fetchall()
        assert old_rows and n.execute(MIGRATIONS_SQL).fetchall() == old_rows


def test_new_has_old_objects_bytes_and_rows(clean: PlaybookRun) -> None:
    """Same object names and bytes on disk, and the same storage.objects rows (name, type)."""
    old_files = stored_files(clean.state_dir / "old" / "storage")
    assert len(old_files) > 300
    assert stored_files(clean.state_dir / "new" / "storage") == old_files
    sql = "select bucket_id, name, metadata->>'mimetype' from storage.objects order by 1, 2"
    with psycopg.connect(clean.db("old")) as o, psycopg.connect(clean.db("new")) as n:
        assert n.execute(sql).fetchall() == o.execute(sql).fetchall()


def test_functions_secrets_name_new(clean: PlaybookRun) -> None:
    """new/functions.env: SITE_URL and SUPABASE_URL are new's, the key is new's."""
    env = read_env_file(clean.state_dir / "new" / "functions.env")
    new = clean.config["targets"]["new"]
    assert env["SITE_URL"] == new["site_url"] == clean.url("new")
    assert env["SUPABASE_URL"] == clean.url("new")
    assert env["SUPABASE_SERVICE_ROLE_KEY"] == new["service_role_key"]


def test_config_names_both_targets(clean: PlaybookRun) -> None:
    """postmigration.toml: targets old and new, old's origin on new, the dump kept."""
    targets = clean.config["targets"]
    assert set(targets) == {"old", "new"}
    assert targets["new"]["old_origins"] == [clean.url("old")]
    assert set(clean.config["accounts"]) == {"admin", "user", "invitee"}
    assert len(list(clean.state_dir.glob("backup_*.dump"))) == 1


def test_passwords_move_sessions_do_not(clean: PlaybookRun) -> None:
    """The user signs in on new with old's password; old's token is refused by new."""
    account = clean.config["accounts"]["user"]
    tokens = {}
    for name in ("old", "new"):
        key = clean.config["targets"][name]["anon_key"]
        response = httpx.post(
            f"{clean.url(name)}/auth/v1/token?grant_type=password",
            json={"email": account["email"], "password": account["password"]},
            headers={"apikey": key},
            timeout=30,
        )
        assert response.status_code == 200, f"sign-in on {name}: {response.text}"
        tokens[name] = response.json()["access_token"]
    new_key = clean.config["targets"]["new"]["anon_key"]
    foreign = httpx.get(
        f"{clean.url('new')}/auth/v1/user",
        headers={"apikey": new_key, "Authorization": f"Bearer {tokens['old']}"},
        timeout=30,
    )
    assert foreign.status_code in (401, 403)
    rows = httpx.get(
        f"{clean.url('new')}/rest/v1/weight_measurements?select=id",
        headers={"apikey": new_key, "Authorization": f"Bearer {tokens['new']}"},
        timeout=30,
    )
    assert rows.status_code == 200 and len(rows.json()) == 30


def test_stored_urls_name_new(clean: PlaybookRun) -> None:
    """Course thumbnails on new load from new's origin, none from old's."""
    urls = scalar(clean.db("new"), "select array_agg(thumbnail_url) from public.courses")
    assert urls and all(url.startswith(clean.url("new") + "/storage/v1/") for url in urls)


def test_sequences_are_not_behind(clean: PlaybookRun) -> None:
    """weight_measurements' id sequence on new is at the max id."""
    behind = scalar(
        clean.db("new"),
        "select (select max(id) from public.weight_measurements)"
        " - (select last_value from public.weight_measurements_id_seq)",
    )
    assert behind <= 0


def chat_images_have_no_bytes(run: PlaybookRun) -> None:
    """Chat-images rows arrived with the dump, their bytes did not; other buckets did."""
    rows = scalar(
        run.db("new"), "select count(*) from storage.objects where bucket_id = 'chat-images'"
    )
    assert rows > 150
    assert not stored_files(run.state_dir / "new" / "storage" / "chat-images")
    assert stored_files(run.state_dir / "new" / "storage" / "avatars")


def uuid_ossp_is_missing(run: PlaybookRun) -> None:
    """Uuid-ossp is gone from new, and the column defaults that called it; the data is whole."""
    assert (
        scalar(run.db("new"), "select count(*) from pg_extension where extname = 'uuid-ossp'") == 0
    )
    default = scalar(
        run.db("new"),
        "select column_default from information_schema.columns"
        " where table_schema = 'public' and table_name = 'course_modules' and column_name = 'id'",
    )
    assert default is None
    assert row_counts(run.db("new")) == row_counts(run.db("old"))


def site_url_is_old(run: PlaybookRun) -> None:
    """New's functions run with old's SITE_URL (the project keys are new's)."""
    env = read_env_file(run.state_dir / "new" / "functions.env")
    assert env["SITE_URL"] == run.url("old")
    assert env["SUPABASE_URL"] == run.url("new")


def sequence_is_behind(run: PlaybookRun) -> None:
    """Weight_measurements' sequence restarted far below the restored ids."""
    behind = scalar(
        run.db("new"),
        "select (select max(id) from public.weight_measurements)"
        " - (select last_value from public.weight_measurements_id_seq)",
    )
    assert behind > 1000


def urls_name_old(run: PlaybookRun) -> None:
    """The stored thumbnails still point at old's origin."""
    urls = scalar(run.db("new"), "select array_agg(thumbnail_url) from public.courses")
    assert urls and all(url.startswith(run.url("old") + "/") for url in urls)


DAMAGE: dict[str, Callable[[PlaybookRun], None]] = {
    "skip-bucket-sync:chat-images": chat_images_have_no_bytes,
    "missing-extension:uuid-ossp": uuid_ossp_is_missing,
    "stale-site-url": site_url_is_old,
    "sequence-behind": sequence_is_behind,
    "stale-origin": urls_name_old,
}


@pytest.mark.parametrize("fault", sorted(DAMAGE))
def test_fault_does_its_damage(fault: str, tmp_path: Path) -> None:
    """The playbook with `--fault` still finishes, and leaves exactly the intended damage."""
    with playbook_run(
        tmp_path / "state", "--fault", fault, "--rows", "2000", "--users", "200"
    ) as run:
        assert f"fault {fault}:" in run.output
        DAMAGE[fault](run)


def test_failing_step_is_named_and_stops_both_stacks(tmp_path: Path) -> None:
    """A migrations dir that does not exist fails the `migrations` step; both stacks stop."""
    playbook = Playbook(
        Options(state_dir=tmp_path / "state", rows=500, users=50, migrations_dir=tmp_path / "nope")
    )
    try:
        with pytest.raises(
            PlaybookError, match="step migrations failed: migrations dir .* does not exist"
        ):
            playbook.run()
        assert playbook.old is not None and playbook.new is not None
    finally:
        playbook.stop()
    for name in ("old", "new"):
        assert not (tmp_path / "state" / name / "pgdata" / "postmaster.pid").exists()


def test_a_pid_file_left_by_a_killed_run_is_stale_and_a_live_one_stops_the_playbook(
    tmp_path: Path,
) -> None:
    """A state dir whose old/pgdata/postmaster.pid names a process that is gone (a playbook
    killed with SIGKILL leaves one) is taken over: the playbook goes on past `prepare`. One
    naming a live process stops it at `prepare`, saying the stack is in use."""
    pid_file = tmp_path / "state" / "old" / "pgdata" / "postmaster.pid"
    pid_file.parent.mkdir(parents=True)
    gone = subprocess.Popen(["true"])
    gone.wait()
    options = Options(
        state_dir=tmp_path / "state", rows=500, users=50, migrations_dir=tmp_path / "nope"
    )
    pid_file.write_text(f"{os.getpid()}\n{pid_file.parent}\n")
    with pytest.raises(PlaybookError, match="step prepare failed: .* is in use by a running stack"):
        Playbook(options).run()
    pid_file.write_text(f"{gone.pid}\n{pid_file.parent}\n")
    playbook = Playbook(options)
    try:
        with pytest.raises(PlaybookError, match="step migrations failed"):
            playbook.run()
    finally:
        playbook.stop()


def test_missing_binaries_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    """No pg_dump/pg_restore/psql: exit 1 with one line naming the step, nothing started."""
    from reference.playbook import __main__ as cli
    from reference.playbook import pgtools

    monkeypatch.setattr(pgtools, "find_bindir", lambda: tmp_path)
    assert cli.main(["--state", str(tmp_path / "state"), "--rows", "10", "--users", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"playbook: step preflight failed: pg_dump, pg_restore, psql not found in {tmp_path}:"
        " install them with `apt-get install postgresql-client`"
    ]
    assert not (tmp_path / "state" / "old").exists()


def test_new_has_old_triggers_and_policies(clean: PlaybookRun) -> None:
    """The app's trigger on auth.users and every policy (storage's included) are on new."""
    sql = (
        "select tgrelid::regclass::text || ' ' || tgname from pg_trigger where not tgisinternal"
        " union all select schemaname || '.' || tablename || ' ' || policyname from pg_policies"
        " order by 1"
    )
    with psycopg.connect(clean.db("old")) as o, psycopg.connect(clean.db("new")) as n:
        old_rows = o.execute(sql).fetchall()
        assert ("auth.users on_auth_user_created",) in old_rows
        assert n.execute(sql).fetchall() == old_rows
