"""The suite's direct database checks, against a real stand-in: quiet when healthy, loud when broken.

Each breaking change runs inside a transaction that is rolled back, or (what cannot run in
one) is undone afterwards, so the shared stack stays clean.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import psycopg
import pytest

from postmigration import db
from postmigration.db.policies import row_level_security
from reference.stack.runner import StackProcess
from selftests.db.conftest import broken

MIGRATIONS = Path(__file__).resolve().parents[2] / "reference" / "supabase" / "migrations"


def test_healthy_target_has_no_findings(conn: psycopg.Connection) -> None:
    files = db.migration_files(MIGRATIONS)
    assert db.migration_problems(files, db.recorded_migrations(conn)) == []
    assert db.tables_without_rls(conn) == []
    assert db.missing_extensions(conn, ("pgcrypto", "uuid-ossp")) == []
    assert db.function_problems(conn) == []
    assert db.sequences_behind(conn) == []
    assert db.grant_problems(conn, ("courses", "weight_measurements")) == []


def test_missing_and_unknown_migrations_are_named(conn: psycopg.Connection) -> None:
    files = db.migration_files(MIGRATIONS)
    with broken(
        conn,
        f"delete from supabase_migrations.schema_migrations where version = '{files[2].version}'",
        "insert into supabase_migrations.schema_migrations (version, name) values ('29990101000000', 'stray')",
    ):
        problems = db.migration_problems(files, db.recorded_migrations(conn))
    assert f"migration {files[2]} is not applied (not in schema_migrations)" in problems
    assert any("out of order" in p and str(files[2]) in p for p in problems)
    assert (
        "schema_migrations has 29990101000000_stray, which is not in the migrations dir" in problems
    )


def test_missing_migrations_dir_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(db.MigrationsDirMissing, match="does not exist"):
        db.migration_files(tmp_path / "nowhere")


def test_rls_switched_off_is_named(conn: psycopg.Connection) -> None:
    with broken(conn, "alter table public.goals disable row level security"):
        assert db.tables_without_rls(conn) == ["public.goals"]


def test_forced_row_security_is_compared(conn: psycopg.Connection) -> None:
    """FORCE ROW LEVEL SECURITY set on one side only is named, either way; on the platform's
    tables (storage.objects) it is left to the platform's version."""
    schemas = ("public", "storage")
    before = row_level_security(conn, schemas)
    with broken(
        conn,
        "alter table public.goals force row level security",
        "alter table storage.objects force row level security",
    ):
        after = row_level_security(conn, schemas)
    assert db.row_security_differences(after, before) == [
        "row level security is forced on public.goals on new but not on old: new holds the"
        " table's owner to its policies too (FORCE ROW LEVEL SECURITY)"
    ]
    assert db.row_security_differences(before, after) == [
        "row level security is no longer forced on public.goals on new: old forces it on the"
        " table's owner too (FORCE ROW LEVEL SECURITY)"
    ]


def test_policy_drift_is_named(conn: psycopg.Connection) -> None:
    before = db.policies(conn)
    victim = next(p for p in before if p.schema == "public")
    with broken(conn, f'drop policy "{victim.name}" on public.{victim.table}'):
        problems = db.policy_differences(db.policies(conn), before, where="old")
    assert problems == [f"{victim.where} is missing (present in old)"]


def test_policy_snapshot_round_trips(conn: psycopg.Connection, tmp_path: Path) -> None:
    """What save writes, load reads back: the policies and row level security of storage,
    realtime and the app's schemas (custom ones too), FORCE included."""
    with broken(conn, "alter table public.goals force row level security"):
        taken = db.take_policies_snapshot(conn)
    db.save_snapshot(taken, tmp_path / "policies.json")
    read = db.load_snapshot(tmp_path / "policies.json")
    assert read == taken
    assert read.schemas == ("storage", "realtime", "public", "reporting")
    assert read.row_security is not None and read.row_security["public.goals"].forced
    assert read.left_out is None


def test_a_policy_snapshot_of_only_policies_is_read_saying_what_it_leaves_out(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    """A snapshot written before it held the row level security (a bare list of public's and
    storage's policies) is still read, for those schemas, and says what it cannot compare."""
    items = db.policies(conn, ("public", "storage"))
    path = tmp_path / "policies.json"
    path.write_text(json.dumps([dataclasses.asdict(p) for p in items]))
    read = db.load_snapshot(path)
    assert (read.schemas, read.policies, read.row_security) == (("public", "storage"), items, None)
    assert read.left_out is not None
    assert "where row level security is on or forced, are not compared" in read.left_out
    assert "refresh it with `python -m postmigration.db.snapshot" in read.left_out


@pytest.mark.parametrize("text", ["{not json", '{"format": 3}', '{"format": 2, "schemas": []}'])
def test_an_unreadable_policy_snapshot_is_named(tmp_path: Path, text: str) -> None:
    """A file that is not a snapshot this tool wrote: one line naming it and how to write it."""
    path = tmp_path / "policies.json"
    path.write_text(text)
    with pytest.raises(db.SnapshotUnreadable) as unreadable:
        db.load_snapshot(path)
    assert str(unreadable.value).startswith(f"the policies snapshot {path} cannot be read (")
    assert str(unreadable.value).endswith(
        "write it again with `python -m postmigration.db.snapshot --db-url URL --out FILE`"
    )


def test_row_security_names_the_snapshot_it_differs_from(conn: psycopg.Connection) -> None:
    """Against a snapshot, row level security's findings name it instead of old."""
    schemas = ("public",)
    before = row_level_security(conn, schemas)
    with broken(conn, "alter table public.goals disable row level security"):
        after = row_level_security(conn, schemas)
    assert db.row_security_differences(after, before, where="the snapshot p.json") == [
        "row level security is off on public.goals on new (on on the snapshot p.json)"
    ]


def test_lost_grant_is_named(conn: psycopg.Connection) -> None:
    with broken(conn, "revoke insert on public.weight_measurements from service_role"):
        problems = db.grant_problems(conn, ("weight_measurements",))
    assert problems == ["role service_role lacks INSERT on public.weight_measurements"]


def test_missing_extension_breaks_its_functions(conn: psycopg.Connection) -> None:
    with broken(conn, 'drop extension "uuid-ossp" cascade'):
        assert db.missing_extensions(conn, ("pgcrypto", "uuid-ossp")) == [
            "extension uuid-ossp is not installed"
        ]
        problems = db.function_problems(conn)
    assert any(p.startswith("uuid_generate_v4() does not run as authenticated") for p in problems)


def test_sequence_left_behind_is_named(conn: psycopg.Connection) -> None:
    sequence = "pg_get_serial_sequence('public.weight_measurements', 'id')"
    try:
        with broken(conn, f"select setval({sequence}, 1)"):
            problems = db.sequences_behind(conn)
    finally:  # setval is not transactional: put the sequence back for the other tests
        conn.execute(f"select setval({sequence}, (select max(id) from public.weight_measurements))")
    assert len(problems) == 1 and "public.weight_measurements.id already reaches" in problems[0]


class _InsertBeforeMax:
    """`conn`, where another session inserts a weight measurement (its id from the sequence)
    just before the first ``select max(...)`` runs: the app's users writing during the check."""

    def __init__(self, conn: psycopg.Connection, other: psycopg.Connection) -> None:
        self._conn, self._other = conn, other
        self.inserted: list[int] = []

    def execute(self, query: Any, *args: Any) -> Any:
        text = query if isinstance(query, str) else query.as_string(self._conn)
        if text.startswith("select max(") and not self.inserted:
            row = self._other.execute(
                "insert into public.weight_measurements (user_id, weight_kg)"
                " select user_id, 70 from public.weight_measurements limit 1 returning id"
            ).fetchone()
            self.inserted.append(int(row[0]))
        return self._conn.execute(query, *args)


def test_a_row_inserted_during_the_check_is_no_finding(
    conn: psycopg.Connection, stack: StackProcess
) -> None:
    """A live app inserts while the check runs (a real cutover, or the gate's own tests under
    xdist): the sequence moved with the row, so nothing is behind."""
    with db.connect(str(stack.target["db_url"])) as other:
        racing = _InsertBeforeMax(conn, other)
        try:
            problems = db.sequences_behind(racing)  # type: ignore[arg-type]
        finally:
            other.execute(
                "delete from public.weight_measurements where id = any(%s)", (racing.inserted,)
            )
    assert racing.inserted, "the insert did not happen"
    assert problems == []


def test_an_index_left_invalid_by_a_failed_concurrent_build_is_named(
    conn: psycopg.Connection,
) -> None:
    """A migration's CREATE UNIQUE INDEX CONCURRENTLY over rows that break it fails and leaves
    the index behind, invalid: it is named with its table; once dropped, nothing is."""
    (duplicates,) = conn.execute(  # type: ignore[misc]
        "select count(*) > count(distinct user_id) from public.weight_measurements"
    ).fetchone()
    assert duplicates, "the stand-in needs a user with two measurements"
    assert db.invalid_indexes(conn) == []
    try:
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "create unique index concurrently pm_one_per_user"
                " on public.weight_measurements (user_id)"
            )
        problems = db.invalid_indexes(conn)
    finally:  # a concurrent build runs outside any transaction: drop what it left
        conn.execute("drop index if exists public.pm_one_per_user")
    assert problems == [
        "index public.pm_one_per_user on public.weight_measurements is invalid (a concurrent"
        " build failed, or is still running): no query uses it; once no build runs, drop it and"
        " create it again"
    ]
    assert db.invalid_indexes(conn) == []


def test_schema_and_data_differences_are_named(
    conn: psycopg.Connection, stack: StackProcess
) -> None:
    tables = db.compared_tables(conn)
    old_facts, old_prints = db.schema_facts(conn), db.fingerprints(conn, tables)
    damage = (
        "alter table auth.users disable trigger on_auth_user_created",
        "alter table public.courses add column stray int",
        "delete from public.weight_measurements where id = (select min(id) from public.weight_measurements)",
    )
    with db.connect(str(stack.target["db_url"])) as other, broken(conn, *damage):
        problems = db.schema_differences(db.schema_facts(conn), old_facts)
        new_prints = db.fingerprints(conn, tables)
        keys = db.differing_keys(conn, other, "public.weight_measurements")
    assert "trigger on_auth_user_created on auth.users is disabled on new" in problems
    assert "column public.courses.stray exists on new but not on old" in problems
    changed = [t for t in tables if new_prints[t] != old_prints[t]]
    assert changed == ["public.courses", "public.weight_measurements"]
    assert len(keys) == 1 and keys[0].endswith("(missing on new)")


def test_wrong_password_is_one_line(stack: StackProcess) -> None:
    url = str(stack.target["db_url"]).replace("postgres:", "postgres:wrong", 1)
    with pytest.raises(db.DatabaseUnreachable) as caught:
        db.connect(url, timeout_s=5)
    message = str(caught.value)
    assert "password authentication failed" in message and "\n" not in message
    assert "wrong" not in message
