"""The restore list and the fault registry (our own logic, checked without a database), and
the damage each newer fault does, measured after a real playbook run at small volume."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import cast

import psycopg
import pytest

from reference.playbook.errors import PlaybookError, UnknownFault
from reference.playbook.faults import Fault, fault_named, known_faults
from reference.playbook.roles import app_role_statements
from reference.playbook.run import _failure_of
from reference.playbook.toc import TargetCatalog, parse_toc, split_existing
from reference.stack.settings import read_env_file

from .conftest import PlaybookRun, playbook_run, row_counts, scalar

ROOT = Path(__file__).resolve().parents[2]

LISTING = """\
;
; Archive created at 2026-11-25 18:33:05 UTC
;
9; 2615 16389 SCHEMA - auth postgres
2; 3079 16392 EXTENSION - pgcrypto 
3784; 0 0 COMMENT - EXTENSION pgcrypto 
3; 3079 16429 EXTENSION - uuid-ossp 
3785; 0 0 COMMENT - EXTENSION "uuid-ossp" 
301; 1255 16521 FUNCTION auth uid() postgres
311; 1255 16716 FUNCTION public is_invitee(text, text) postgres
305; 1255 16558 FUNCTION storage foldername(text) postgres
224; 1259 16503 TABLE auth refresh_tokens postgres
223; 1259 16502 SEQUENCE auth refresh_tokens_id_seq postgres
3787; 0 0 SEQUENCE OWNED BY auth refresh_tokens_id_seq postgres
3372; 2604 16506 DEFAULT auth refresh_tokens id postgres
220; 1259 16443 TABLE auth users postgres
230; 1259 16609 TABLE public courses postgres
3752; 0 16443 TABLE DATA auth users postgres
3762; 0 16609 TABLE DATA public courses postgres
3789; 0 0 SEQUENCE SET auth refresh_tokens_id_seq postgres
3440; 2606 16465 CONSTRAINT auth users users_pkey postgres
3472; 2606 16619 CONSTRAINT public courses courses_pkey postgres
3530; 2620 16602 TRIGGER auth users on_auth_user_created postgres
3745; 3256 16851 POLICY storage objects Admins delete course thumbnails postgres
3678; 0 16538 ROW SECURITY storage objects postgres
"""  # noqa: W291 -- extension lines end with a space: they have no owner

FRESH_PROJECT = TargetCatalog(
    schemas=frozenset({"public", "auth", "storage", "extensions"}),
    extensions=frozenset({"plpgsql", "pgcrypto", "uuid-ossp"}),
    relations=frozenset(
        {("auth", "users"), ("auth", "refresh_tokens"), ("auth", "refresh_tokens_id_seq")}
    ),
    routines=frozenset({("auth", "uid()"), ("storage", "foldername(text)")}),
    types=frozenset(),
    table_scoped=frozenset({("constraint", "auth", "users", "users_pkey")}),
)


def test_listing_parses_kinds_schemas_and_tags() -> None:
    """Multi-word kinds, ownerless extensions and tags with spaces come apart correctly."""
    entries = {(e.kind, e.schema, e.tag) for e in parse_toc(LISTING)}
    assert ("EXTENSION", "-", "uuid-ossp") in entries
    assert ("TABLE DATA", "auth", "users") in entries
    assert ("SEQUENCE OWNED BY", "auth", "refresh_tokens_id_seq") in entries
    assert ("POLICY", "storage", "objects Admins delete course thumbnails") in entries
    assert ("FUNCTION", "public", "is_invitee(text, text)") in entries
    assert len(entries) == 22


def test_what_the_fresh_project_has_is_skipped_and_data_is_kept() -> None:
    """Existing definitions (with their comments and defaults) are skipped; data, the app's
    trigger and policies on platform tables, and new objects are restored."""
    keep, skipped = split_existing(parse_toc(LISTING), FRESH_PROJECT)
    skipped_keys = {(e.kind, e.schema, e.tag) for e in skipped}
    kept_keys = {(e.kind, e.schema, e.tag) for e in keep}
    assert skipped_keys == {
        ("SCHEMA", "-", "auth"),
        ("EXTENSION", "-", "pgcrypto"),
        ("COMMENT", "-", "EXTENSION pgcrypto"),
        ("EXTENSION", "-", "uuid-ossp"),
        ("COMMENT", "-", 'EXTENSION "uuid-ossp"'),
        ("FUNCTION", "auth", "uid()"),
        ("FUNCTION", "storage", "foldername(text)"),
        ("TABLE", "auth", "refresh_tokens"),
        ("SEQUENCE", "auth", "refresh_tokens_id_seq"),
        ("SEQUENCE OWNED BY", "auth", "refresh_tokens_id_seq"),
        ("DEFAULT", "auth", "refresh_tokens id"),
        ("TABLE", "auth", "users"),
        ("CONSTRAINT", "auth", "users users_pkey"),
    }
    assert {
        ("TABLE DATA", "auth", "users"),
        ("SEQUENCE SET", "auth", "refresh_tokens_id_seq"),
        ("TRIGGER", "auth", "users on_auth_user_created"),
        ("POLICY", "storage", "objects Admins delete course thumbnails"),
        ("FUNCTION", "public", "is_invitee(text, text)"),
        ("TABLE", "public", "courses"),
        ("CONSTRAINT", "public", "courses courses_pkey"),
    } <= kept_keys


def test_every_known_fault_resolves_and_spoils_one_named_step() -> None:
    """Each listed name makes a fault that says which step it alters; none is the clean run."""
    names = known_faults()
    assert "skip-bucket-sync:chat-images" in names and "missing-extension:uuid-ossp" in names
    for name in names:
        fault = fault_named(name)
        assert fault.name == name and fault.step and type(fault) is not Fault
    assert type(fault_named(None)) is Fault


@pytest.mark.parametrize(
    "name", ["nope", "skip-bucket-sync", "skip-bucket-sync:nope", "stale-site-url:x"]
)
def test_unknown_fault_is_refused(name: str) -> None:
    """A wrong name or parameter is refused with the list of known faults."""
    with pytest.raises(UnknownFault, match="known faults: skip-bucket-sync:avatars"):
        fault_named(name)


def test_cli_unknown_fault_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """`--fault nope`: one line naming the known faults, exit 2, nothing started."""
    done = subprocess.run(
        [sys.executable, "-m", "reference.playbook", "--state", str(tmp_path), "--fault", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown fault 'nope'" in lines[0]
    assert "stale-site-url" in lines[0] and "Traceback" not in done.stderr
    assert not (tmp_path / "old").exists()


RESTORED = parse_toc(
    """\
3600; 0 16700 TABLE DATA public weight_measurements postgres
3601; 0 16800 TABLE DATA supabase_migrations schema_migrations postgres
3602; 3256 16901 POLICY public weight_measurements Users read their measurements postgres
3603; 3256 16902 POLICY public weight_measurements_archive Users read postgres
3604; 3256 16903 POLICY public profiles Users read their own profile postgres
3605; 2620 16602 TRIGGER auth users on_auth_user_created postgres
3606; 2620 16603 TRIGGER storage objects on_avatar_deleted postgres
3607; 2620 16604 TRIGGER public profiles touch_updated_at postgres
"""
)


def _left_out(name: str) -> set[tuple[str, str, str]]:
    fault = fault_named(name)
    return {entry.key for entry in RESTORED if not fault.restore_entry(entry)}


def test_lost_policies_leaves_out_exactly_that_tables_policies() -> None:
    """lost-policies:weight_measurements drops its POLICY entries only (not a table whose name
    merely starts the same, not its data, not other tables' policies)."""
    assert _left_out("lost-policies:weight_measurements") == {
        ("POLICY", "public", "weight_measurements Users read their measurements")
    }


def test_platform_trigger_lost_leaves_out_that_schema_s_triggers_only() -> None:
    """platform-trigger-lost:<schema> drops the TRIGGER entries on that platform schema's
    tables: not the other platform schema's, not public's."""
    assert _left_out("platform-trigger-lost:auth") == {
        ("TRIGGER", "auth", "users on_auth_user_created")
    }
    assert _left_out("platform-trigger-lost:storage") == {
        ("TRIGGER", "storage", "objects on_avatar_deleted")
    }


def test_no_migration_history_leaves_out_the_history_and_skips_db_push() -> None:
    """no-migration-history drops schema_migrations' data only, and the pending files are not
    applied on top of the restored schema."""
    assert _left_out("no-migration-history") == {
        ("TABLE DATA", "supabase_migrations", "schema_migrations")
    }
    assert not fault_named("no-migration-history").pending_migrations_applied()
    assert Fault().pending_migrations_applied()


def test_missing_secret_drops_one_secret_and_the_smoke_test() -> None:
    """missing-secret:RESEND_API_KEY: every other secret is set, that one is not; no smoke test
    ran (it would have stopped the playbook)."""
    secrets = {"RESEND_API_KEY": "k", "EMAIL_FROM": "a@b.c", "SITE_URL": "http://new"}
    fault = fault_named("missing-secret:RESEND_API_KEY")
    assert fault.function_secrets(secrets, "http://old") == {
        "EMAIL_FROM": "a@b.c",
        "SITE_URL": "http://new",
    }
    assert not fault.smoke_tested() and Fault().smoke_tested()


def test_by_hand_faults_name_their_object_and_the_clean_run_has_none() -> None:
    """private-bucket, disabled-trigger and view-runs-as-owner each run one statement naming
    their object (the view re-created from its own query, with no option)."""
    assert Fault().by_hand_sql() == ()
    (bucket_sql,) = fault_named("private-bucket:avatars").by_hand_sql()
    assert "public = false" in bucket_sql and "'avatars'" in bucket_sql
    (trigger_sql,) = fault_named("disabled-trigger:on_auth_user_created").by_hand_sql()
    assert trigger_sql == 'alter table auth.users disable trigger "on_auth_user_created"'
    (view_sql,) = fault_named("view-runs-as-owner").by_hand_sql()
    assert "'create or replace view reporting.weekly_weight as '" in view_sql
    assert "pg_get_viewdef('reporting.weekly_weight'::regclass)" in view_sql
    assert "security_invoker" not in view_sql


def test_index_left_invalid_runs_one_failing_build_naming_its_index() -> None:
    """index-left-invalid runs one concurrent unique build by hand, meant to fail; no other
    fault and not the clean run has a failing statement."""
    fault = fault_named("index-left-invalid")
    assert fault.by_hand_sql() == ()
    (build,) = fault.failed_by_hand_sql()
    assert build.startswith("create unique index concurrently weight_measurements_one_per_week ")
    assert [name for name in known_faults() if fault_named(name).failed_by_hand_sql()] == [
        "index-left-invalid"
    ]
    assert Fault().failed_by_hand_sql() == ()


def test_reload_stopped_reloads_lessons_and_no_other_fault_reloads_a_table() -> None:
    """reload-stopped loads public.lessons again (data only) after the database steps; no other
    fault and not the clean run reloads a table. Whether pg_restore really stops with the
    triggers off is checked by the playbook itself (a PlaybookError otherwise) in the matrix."""
    assert fault_named("reload-stopped").reloaded_table() == ("public", "lessons")
    assert [name for name in known_faults() if fault_named(name).reloaded_table()] == [
        "reload-stopped"
    ]
    assert Fault().reloaded_table() is None


class _Conn:
    """A connection whose statements fail or succeed as told (for `_failure_of`'s own logic)."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    def execute(self, statement: bytes) -> None:
        if self.error:
            raise self.error


def _as_conn(error: Exception | None) -> psycopg.Connection:
    return cast(psycopg.Connection, _Conn(error))


def test_a_statement_meant_to_fail_is_an_injection_error_when_it_succeeds() -> None:
    """The failing build's error is kept as its first line; a build that succeeds did not
    inject the fault, and the playbook stops with a PlaybookError naming the statement."""
    failed = psycopg.errors.UniqueViolation('could not create unique index "x"\nDETAIL: ...')
    assert _failure_of(_as_conn(failed), "create ...") == 'could not create unique index "x"'
    with pytest.raises(PlaybookError, match="a statement meant to fail succeeded: create"):
        _failure_of(_as_conn(None), "create unique index concurrently i on t (c)")


def _secret_unset(run: PlaybookRun) -> None:
    env = read_env_file(run.state_dir / "new" / "functions.env")
    assert "RESEND_API_KEY" not in env and env["EMAIL_FROM"]
    assert "smoke test skipped" in run.output


def _policies_lost(run: PlaybookRun) -> None:
    sql = "select count(*) from pg_policies where schemaname = 'public' and tablename = %s"
    assert scalar(run.db("old"), sql, ("weight_measurements",)) == 4
    assert scalar(run.db("new"), sql, ("weight_measurements",)) == 0
    assert scalar(run.db("new"), sql, ("profiles",)) == scalar(run.db("old"), sql, ("profiles",))
    rls = "select relrowsecurity from pg_class where oid = 'public.weight_measurements'::regclass"
    assert scalar(run.db("new"), rls) is True


def _history_empty(run: PlaybookRun) -> None:
    sql = "select count(*) from supabase_migrations.schema_migrations"
    assert scalar(run.db("old"), sql) >= 8
    assert scalar(run.db("new"), sql) == 0
    assert row_counts(run.db("new")) == row_counts(run.db("old"))


def _avatars_private(run: PlaybookRun) -> None:
    sql = "select public from storage.buckets where id = %s"
    assert scalar(run.db("old"), sql, ("avatars",)) is True
    assert scalar(run.db("new"), sql, ("avatars",)) is False
    assert scalar(run.db("new"), sql, ("course-thumbnails",)) is True


def _trigger_disabled(run: PlaybookRun) -> None:
    sql = (
        "select tgenabled from pg_trigger"
        " where tgrelid = 'auth.users'::regclass and tgname = 'on_auth_user_created'"
    )
    assert scalar(run.db("old"), sql) == "O"
    assert scalar(run.db("new"), sql) == "D"


NEW_DAMAGE: dict[str, Callable[[PlaybookRun], None]] = {
    "missing-secret:RESEND_API_KEY": _secret_unset,
    "lost-policies:weight_measurements": _policies_lost,
    "no-migration-history": _history_empty,
    "private-bucket:avatars": _avatars_private,
    "disabled-trigger:on_auth_user_created": _trigger_disabled,
}


@pytest.mark.parametrize("fault", sorted(NEW_DAMAGE))
def test_new_fault_does_its_damage(fault: str, tmp_path: Path) -> None:
    """The playbook with `--fault` still finishes and leaves exactly the intended damage,
    measured in new's database (against old's) or in new's functions.env."""
    with playbook_run(
        tmp_path / "state", "--fault", fault, "--rows", "500", "--users", "50"
    ) as run:
        assert f"fault {fault}:" in run.output
        NEW_DAMAGE[fault](run)


def test_the_roles_step_keeps_the_app_s_roles_of_a_roles_dump() -> None:
    """Of `pg_dumpall --roles-only` output: the app's CREATE/ALTER ROLE and each GRANT of or to
    an app role (without GRANTED BY) are kept; the platform's roles and their grants are not;
    role-grant-lost drops the grant to authenticator only."""
    dump = "\n".join(
        (
            "CREATE ROLE anon;",
            "ALTER ROLE anon WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN;",
            "CREATE ROLE report_reader;",
            "ALTER ROLE report_reader WITH NOSUPERUSER NOINHERIT NOLOGIN NOBYPASSRLS;",
            "CREATE ROLE supabase_auth_admin;",
            "GRANT anon TO authenticator GRANTED BY postgres;",
            "GRANT report_reader TO authenticator GRANTED BY postgres;",
            'GRANT authenticated TO "report_reader" WITH ADMIN OPTION GRANTED BY postgres;',
        )
    )
    kept = app_role_statements(dump)
    assert kept == [
        "CREATE ROLE report_reader;",
        "ALTER ROLE report_reader WITH NOSUPERUSER NOINHERIT NOLOGIN NOBYPASSRLS;",
        'GRANT "report_reader" TO "authenticator";',
        'GRANT "authenticated" TO "report_reader" WITH ADMIN OPTION;',
    ]
    lost = fault_named("role-grant-lost")
    assert [s for s in kept if lost.role_statement(s)] == kept[:2] + kept[3:]
