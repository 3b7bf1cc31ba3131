"""The committed snapshots: current with the reference app's migrations (schema and policies),
read back as written, and telling a stale snapshot (a migration recorded after it) apart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import DEFAULT_POLICIES_SNAPSHOT, DEFAULT_SCHEMA_SNAPSHOT, AppProfile
from postmigration.comparison import SchemaReference, schema_reference
from postmigration.db import carried
from postmigration.db import snapshot as snapshot_command
from postmigration.db.role_settings import SET
from postmigration.db.schema_snapshot import (
    SNAPSHOT_COMMAND,
    SnapshotUnreadable,
    load_schema_snapshot,
    save_schema_snapshot,
    stale_because,
    take_schema_snapshot,
)
from reference.stack.runner import StackProcess

from .conftest import broken

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / DEFAULT_SCHEMA_SNAPSHOT


def test_committed_snapshot_equals_a_fresh_stand_in(conn: psycopg.Connection) -> None:
    """The reference app's committed snapshot is what a fresh stand-in (every migration
    applied) produces, so it cannot silently rot when a migration changes the schema."""
    fresh = json.dumps(take_schema_snapshot(conn).content(), indent=1, sort_keys=True)
    committed = json.dumps(load_schema_snapshot(COMMITTED).content(), indent=1, sort_keys=True)
    assert fresh == committed, (
        f"{COMMITTED.relative_to(ROOT)} is stale: refresh it from a fresh stand-in with "
        f"`{SNAPSHOT_COMMAND.replace('FILE', str(COMMITTED.relative_to(ROOT)))}`"
    )


def test_committed_policies_snapshot_equals_a_fresh_stand_in(conn: psycopg.Connection) -> None:
    """The same for the policies snapshot rls-policies reads without old."""
    path = ROOT / DEFAULT_POLICIES_SNAPSHOT
    assert db.load_snapshot(path) == db.take_policies_snapshot(conn), (
        f"{path.relative_to(ROOT)} is stale: refresh it with "
        f"`python -m postmigration.db.snapshot --db-url URL --out {path.relative_to(ROOT)}`"
    )


def test_snapshot_round_trips_and_names_itself(conn: psycopg.Connection, tmp_path: Path) -> None:
    """What save writes, load reads back; the evidence names the file and when it was taken."""
    taken = take_schema_snapshot(conn)
    save_schema_snapshot(taken, tmp_path / "schema.snapshot.json")
    read = load_schema_snapshot(tmp_path / "schema.snapshot.json")
    assert read == taken
    assert read.described == (
        f"compared with the committed snapshot schema.snapshot.json, taken {taken.taken}"
    )
    assert stale_because(read, conn) is None


def test_a_migration_after_the_snapshot_asks_for_a_refresh(conn: psycopg.Connection) -> None:
    """A migration recorded on the target but not in the snapshot makes it stale, by name."""
    snapshot = load_schema_snapshot(COMMITTED)
    with broken(
        conn,
        "insert into supabase_migrations.schema_migrations (version, name)"
        " values ('20991231000000', 'added_after_the_snapshot')",
    ):
        reason = stale_because(snapshot, conn)
    assert reason is not None
    assert "predates migration 20991231000000_added_after_the_snapshot recorded on the" in reason
    assert "refresh it with `python -m postmigration.db.snapshot" in reason
    assert "--schema-out FILE" in reason


def test_without_old_or_snapshot_it_is_not_verified_saying_how_to_write_one(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """No --compare-to and no snapshot file: skipped as not verified, naming both ways out."""
    missing = tmp_path / "schema.snapshot.json"
    with pytest.raises(pytest.skip.Exception) as skipped:
        schema_reference(conn, None, None, AppProfile(schema_snapshot=missing), "grants")
    assert str(skipped.value) == (
        "not verified: grants needs old (--compare-to=old) or the committed schema snapshot, "
        f"missing at {missing}: write it with `{SNAPSHOT_COMMAND}` from a database whose "
        "schema is right"
    )


def test_a_snapshot_without_role_settings_asks_for_a_refresh(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """A snapshot written before it held the roles' settings still serves grants and the
    schema; role-settings is skipped as not verified, saying how to refresh it."""
    data = json.loads(COMMITTED.read_text())
    del data["role_settings"]
    older = tmp_path / "schema.snapshot.json"
    older.write_text(json.dumps(data))
    reference = schema_reference(conn, None, None, AppProfile(schema_snapshot=older), "grants")
    assert reference.privileges(reference.schemas(conn))
    with pytest.raises(pytest.skip.Exception) as skipped:
        reference.role_settings(conn)
    assert str(skipped.value) == (
        "not verified: role settings: the committed snapshot schema.snapshot.json was written "
        f"before it held the roles' settings: refresh it with `{SNAPSHOT_COMMAND}`"
    )


def test_the_platform_s_table_triggers_are_compared_with_the_snapshot_that_holds_them(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """With the committed snapshot, the stand-in's triggers on auth.users and storage.objects
    are compared (none differs) and listed for the evidence; with a snapshot written before
    it held them, the test is not verified, asking for a refresh; with old, they are
    left to schema-parity's public test."""
    profile = AppProfile(schema_snapshot=COMMITTED)
    reference = schema_reference(conn, None, None, profile, "schema parity")
    schemas = reference.schemas(conn)
    assert reference.platform_trigger_differences(conn, schemas) == (
        [],
        "on_auth_user_created on auth.users, on_avatar_deleted on storage.objects",
    )
    data = json.loads(COMMITTED.read_text())
    del data["platform_triggers"]
    older = tmp_path / "schema.snapshot.json"
    older.write_text(json.dumps(data))
    profile = AppProfile(schema_snapshot=older)
    reference = schema_reference(conn, None, None, profile, "schema parity")
    with pytest.raises(pytest.skip.Exception) as skipped:
        reference.platform_trigger_differences(conn, schemas)
    assert str(skipped.value) == (
        "not verified: the committed snapshot schema.snapshot.json was written before it held"
        f" the app's triggers on the platform's tables: refresh it with `{SNAPSHOT_COMMAND}`"
    )
    with_old = SchemaReference("old", "old", "compared with old", old_db=conn)
    assert with_old.platform_trigger_differences(conn, schemas) == ([], "")


def test_public_s_schema_is_compared_with_the_snapshot_that_holds_it(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """With the committed snapshot, public's schema on the stand-in equals it (what was compared
    is counted for the evidence), and a dropped index, a column left nullable and a trigger
    disabled are each named; a snapshot written before it held public's schema leaves the
    test not verified, asking for a refresh; with old, public is left to schema-parity's public test."""
    reference = schema_reference(
        conn, None, None, AppProfile(schema_snapshot=COMMITTED), "schema parity"
    )
    problems, compared = reference.public_schema_differences(conn)
    assert problems == [] and re.fullmatch(r"\d+ tables, \d+ indexes, \d+ functions", compared)
    with broken(
        conn,
        "drop index public.hero_videos_one_active_idx",
        "alter table public.goals alter column title drop not null",
        "alter table public.lessons disable trigger lessons_admin_log",
    ):
        problems, _ = reference.public_schema_differences(conn)
    assert problems == [
        "column public.goals.title differs: new has 'text null default none', the snapshot has"
        " 'text not null default none'",
        "index public.hero_videos_one_active_idx is missing on new",
        "trigger lessons_admin_log on public.lessons is disabled on new",
    ]
    data = json.loads(COMMITTED.read_text())
    del data["public_schema"]
    older = tmp_path / "schema.snapshot.json"
    older.write_text(json.dumps(data))
    reference = schema_reference(conn, None, None, AppProfile(schema_snapshot=older), "schema")
    with pytest.raises(pytest.skip.Exception) as skipped:
        reference.public_schema_differences(conn)
    assert str(skipped.value) == (
        "not verified: the committed snapshot schema.snapshot.json was written before it held"
        f" public's schema: refresh it with `{SNAPSHOT_COMMAND}`"
    )
    with_old = SchemaReference("old", "old", "compared with old", old_db=conn)
    assert with_old.public_schema_differences(conn) == ([], "")


def test_a_view_that_no_longer_runs_as_the_caller_is_named_against_the_snapshot(
    conn: psycopg.Connection,
) -> None:
    """reporting.weekly_weight runs as the caller (security_invoker) in the snapshot; the same
    view without the option (as CREATE OR REPLACE VIEW without it leaves it) is one finding,
    saying that the RLS policies beneath no longer apply to the caller."""
    reference = schema_reference(
        conn, None, None, AppProfile(schema_snapshot=COMMITTED), "schema parity"
    )
    schemas = reference.schemas(conn)
    want = reference.object_facts(schemas)
    assert db.object_differences(db.object_facts(conn, schemas), want) == []
    with broken(conn, "alter view reporting.weekly_weight reset (security_invoker)"):
        problems = db.object_differences(
            db.object_facts(conn, schemas), want, old_name=reference.name
        )
    assert problems == [
        "security of view reporting.weekly_weight differs: new has 'runs as its owner (no"
        " security_invoker): the RLS policies of the tables it reads do not apply to the"
        " caller', the snapshot has 'runs as the caller (security_invoker): the RLS policies of"
        " the tables it reads apply to the caller'"
    ]


def test_the_snapshot_keeps_no_value_of_an_app_setting(
    conn: psycopg.Connection,
) -> None:
    """An app.* setting (which may hold a secret) is in a snapshot as set, never its value."""
    with broken(conn, "alter role service_role set app.report_key = 'k-secret-0042'"):
        taken = take_schema_snapshot(conn)
    assert taken.role_settings is not None
    assert taken.role_settings[("role service_role", "app.report_key")] == SET
    assert "k-secret-0042" not in json.dumps(taken.content())


def test_an_unreadable_snapshot_is_one_clear_line(tmp_path: Path) -> None:
    """A file that is not a schema snapshot says so and how to write it again."""
    bad = tmp_path / "schema.snapshot.json"
    bad.write_text("[]\n")
    with pytest.raises(SnapshotUnreadable, match="cannot be read .* write it again with"):
        load_schema_snapshot(bad)


def test_the_command_writes_policies_and_schema(
    stack: StackProcess, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--out` writes the policies and row level security, `--schema-out` the schema; asking
    for neither is a usage error saying what to pass; a URL libpq cannot parse (a key pasted
    in its place, say) is one line that never echoes it, not a traceback."""
    url = str(stack.target["db_url"])
    policies, schema = tmp_path / "policies.json", tmp_path / "schema.json"
    args = ["--db-url", url, "--out", str(policies), "--schema-out", str(schema)]
    assert snapshot_command.main(args) == 0
    assert db.load_snapshot(policies).row_security and load_schema_snapshot(schema).privileges
    with pytest.raises(SystemExit) as exited:
        snapshot_command.main(["--db-url", url])
    assert exited.value.code == 2
    assert "--schema-out FILE" in capsys.readouterr().err
    pasted = "eyJhbGciOiJIUzI1NiJ9.pm-not-a-url"
    assert snapshot_command.main(["--db-url", pasted, "--out", str(policies)]) == 2
    said = capsys.readouterr().err
    assert said == (
        "snapshot: the database URL is not a connection string libpq understands (expected"
        " postgresql://USER:PASSWORD@HOST:PORT/DBNAME)\n"
    )


def test_the_snapshot_keeps_jobs_and_secret_names_never_a_secret(
    conn: psycopg.Connection,
) -> None:
    """The stand-in's nightly job is kept with its schedule, activity and command digest, and
    its Vault secrets by name; no secret's value (the project URL, the key) is in the snapshot."""
    taken = take_schema_snapshot(conn)
    assert taken.cron_jobs is not None and taken.vault_secrets is not None
    assert set(taken.cron_jobs["nightly-goal-reminders"]) == {"schedule", "active", "command"}
    assert {"project_url", "service_role_key"} <= set(taken.vault_secrets)
    values = conn.execute("select decrypted_secret from vault.decrypted_secrets").fetchall()
    text = json.dumps(taken.content())
    assert all(value not in text for (value,) in values if value)


def test_a_snapshot_without_jobs_or_secrets_asks_for_a_refresh(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """A snapshot written before it held the jobs and the secrets' names reads back without
    them; asking for them skips as not verified, saying how to refresh it."""
    data = json.loads(COMMITTED.read_text())
    del data["cron_jobs"], data["vault_secrets"]
    older = tmp_path / "schema.snapshot.json"
    older.write_text(json.dumps(data))
    reference = schema_reference(conn, None, None, AppProfile(schema_snapshot=older), "Vault")
    assert reference.snapshot is not None and reference.snapshot.vault_secrets is None
    with pytest.raises(pytest.skip.Exception) as skipped:
        reference.kept(reference.snapshot.vault_secrets, "the Vault secrets' names")
    assert str(skipped.value) == (
        "not verified: the committed snapshot schema.snapshot.json was written before it held"
        f" the Vault secrets' names: refresh it with `{SNAPSHOT_COMMAND}`"
    )


def test_vault_urls_on_another_origin_are_named_inside_the_database(
    conn: psycopg.Connection,
) -> None:
    """project_url holds the stand-in's own URL: not named when that origin is new's; named
    when it is not (the comparison runs in the database; only names come back)."""
    (url,) = conn.execute(
        "select decrypted_secret from vault.decrypted_secrets where name = 'project_url'"
    ).fetchone() or ("",)
    origin = re.match(r"https?://[^/]+", url)
    assert origin, "the stand-in's project_url is not a URL"
    assert "project_url" not in carried.vault_urls_elsewhere(conn, [origin.group().upper()])
    assert "project_url" in carried.vault_urls_elsewhere(conn, ["https://new.example.com"])
    assert carried.vault_urls_elsewhere(conn, []) == []
