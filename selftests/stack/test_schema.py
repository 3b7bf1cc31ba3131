"""The reference app's schema, seed and media fixtures, on a real throwaway PostgreSQL.

Proves: every migration applies on Supabase's base shape and is recorded as the CLI records
it; RLS is on for every public table and the policies behave (own rows, admins, invitees,
anon); the re-runnable 20250730 migration really is; a `pg_dump --no-owner --no-privileges
--format=custom` / `pg_restore --no-owner --no-privileges` round trip into a fresh base
database keeps every table, row, policy and trigger; the seed keeps its promises; the hero
video is a real WebM.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import struct
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from postmigration.app_profile import DEFAULT_BUCKET_SPECS, DEFAULT_TABLES
from reference.stack import bootstrap
from reference.stack.errors import StackError
from reference.stack.migrations import migration_files
from reference.stack.postgres import Cluster, find_bindir, free_port
from reference.stack.seed import ACCOUNTS, FIXTURES, seed, seed_volume
from selftests.stack.conftest import METADATA_KEYS

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "reference" / "supabase" / "migrations"
RERUNNABLE = "20250730090000_configure_course_thumbnails_and_admin_logs.sql"
PUBLIC_URL = "http://127.0.0.1:54321"


def _listed(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


# The reference app is what the app profile's defaults describe: its tables and its buckets.
EXPECTED_TABLES = set(DEFAULT_TABLES)
EXPECTED_BUCKETS = {
    # id: (public, file_size_limit, allowed_mime_types), as storage.buckets holds them
    name: (spec.public, spec.file_size_limit, _listed(spec.allowed_mime_types))
    for name, spec in DEFAULT_BUCKET_SPECS.items()
}
# Runs SQL as a role with an account's claims (see the as_role fixture).
RunAs = Callable[..., list[tuple[Any, ...]]]
# What the base shape already holds, so pg_restore of a whole-database dump reports it again.
BASE_SCHEMAS = ("auth", "storage", "extensions", "supabase_migrations")
# What the base shape also holds of the platform: pg_net stand-in, webhooks, Vault, realtime.
PLATFORM_SCHEMAS = (*BASE_SCHEMAS, "net", "supabase_functions", "vault", "supabase_realtime")


@dataclass(frozen=True)
class Server:
    """A running throwaway cluster: its superuser URL for any database, and its binaries."""

    port: int
    password: str
    bindir: Path

    def url(self, dbname: str) -> str:
        """The superuser URL of one database of this server."""
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/{dbname}"

    def env(self) -> dict[str, str]:
        """Environment for the client binaries (pg_dump, pg_restore)."""
        return {**os.environ, "PGPASSWORD": self.password}

    def fresh_base(self, dbname: str) -> str:
        """A new database with Supabase's base shape only; returns its URL."""
        bootstrap.create_database(self.url("postgres"), dbname)
        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            bootstrap.apply_base(conn, dbname, secrets.token_urlsafe(12))
        return self.url(dbname)


@dataclass(frozen=True)
class Seeded:
    """The migrated and seeded app database, its storage root and the seeded passwords."""

    url: str
    storage: Path
    passwords: dict[str, str]
    user_ids: dict[str, str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A throwaway PostgreSQL cluster for this module, stopped at the end."""
    root = tmp_path_factory.mktemp("schema-pg")
    password = secrets.token_urlsafe(12)
    cluster = Cluster(root / "pgdata", free_port(), find_bindir())
    cluster.init(password)
    for attempt in range(3):
        try:
            cluster.start()
            break
        except StackError:
            # another process took the free port between our probe and the server's bind
            if attempt == 2:
                raise
            cluster.port = free_port()
    try:
        yield Server(cluster.port, password, cluster.bindir)
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def app_db(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """Base shape, every migration, then the seed: the reference app's database."""
    url = server.fresh_base("app")
    bootstrap.migrate(url, MIGRATIONS)
    storage = tmp_path_factory.mktemp("storage")
    passwords = {a.role: secrets.token_urlsafe(12) for a in ACCOUNTS}
    accounts = {a.role: {"email": a.email, "password": passwords[a.role]} for a in ACCOUNTS}
    with psycopg.connect(url, autocommit=True) as conn:
        done = seed(conn, storage, accounts, PUBLIC_URL)
    assert done.seeded, "the seed did nothing on a fresh database"
    return Seeded(url, storage, passwords, done.user_ids)


def _scalar(conn: psycopg.Connection, query: str, params: tuple[object, ...] = ()) -> object:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def _row_counts(url: str) -> dict[str, int]:
    """Rows per table of the app's and Supabase's schemas, counted in the database."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "select schemaname, tablename from pg_tables where schemaname = any(%s) order by 1, 2",
            (["public", *BASE_SCHEMAS],),
        ).fetchall()
        return {
            f"{schema}.{table}": int(
                _scalar(
                    conn,
                    sql.SQL("select count(*) from {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    ),
                )
            )
            for schema, table in tables
        }


def _catalogue(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Policies, triggers, columns and app functions: what a restore must bring back."""
    with psycopg.connect(url) as conn:
        return {
            "policies": conn.execute(
                "select schemaname, tablename, policyname, cmd, roles::text, qual, with_check"
                " from pg_policies order by 1, 2, 3"
            ).fetchall(),
            "triggers": conn.execute(
                "select c.relnamespace::regnamespace::text, c.relname, t.tgname, t.tgenabled"
                " from pg_trigger t join pg_class c on c.oid = t.tgrelid"
                " where not t.tgisinternal order by 1, 2, 3"
            ).fetchall(),
            "columns": conn.execute(
                "select table_name, column_name, data_type, column_default, is_nullable"
                " from information_schema.columns where table_schema = 'public'"
                " order by 1, 2"
            ).fetchall(),
            "functions": conn.execute(
                "select p.proname, p.prosecdef, p.proconfig::text from pg_proc p"
                " where p.pronamespace = 'public'::regnamespace order by 1"
            ).fetchall(),
        }


@pytest.fixture
def as_role(app_db: Seeded) -> Iterator[RunAs]:
    """Run queries as a Supabase role with a user's JWT claims, like PostgREST; rolled back."""
    conn = psycopg.connect(app_db.url)

    def run(
        role: str, account: str | None, *queries: str, params: tuple[object, ...] = ()
    ) -> list[tuple[Any, ...]]:
        """Run `queries` in one transaction as `role`; return the last one's rows."""
        claims: dict[str, object] = {"role": role}
        if account:
            info = next(a for a in ACCOUNTS if a.role == account)
            claims |= {"sub": app_db.user_ids[account], "email": info.email}
        try:
            conn.execute("select set_config('role', %s, true)", (role,))
            conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
            for query in queries[:-1]:
                conn.execute(query.encode())
            return conn.execute(queries[-1], params).fetchall()
        finally:
            conn.rollback()

    try:
        yield run
    finally:
        conn.close()


# -- migrations ---------------------------------------------------------------------------------


def test_migration_files_are_named_like_the_supabase_cli() -> None:
    files = sorted(p.name for p in MIGRATIONS.glob("*.sql"))
    found = migration_files(MIGRATIONS)
    assert [m.path.name for m in found] == files, (
        "a file in migrations/ is not <version>_<name>.sql"
    )
    assert all(len(m.version) == 14 and m.version.isdigit() for m in found), (
        "migration versions must be YYYYMMDDHHMMSS timestamps"
    )
    assert RERUNNABLE in files, f"{RERUNNABLE} is missing"
    assert len(files) >= 5


def test_every_migration_applies_on_the_base_and_is_recorded_in_order(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        recorded = conn.execute(
            "select version, name, coalesce(array_length(statements, 1), 0)"
            " from supabase_migrations.schema_migrations order by version"
        ).fetchall()
        tables = {
            r[0]
            for r in conn.execute("select tablename from pg_tables where schemaname = 'public'")
        }
    expected = [(m.version, m.name) for m in migration_files(MIGRATIONS)]
    assert [(v, n) for v, n, _ in recorded] == expected
    assert all(count > 0 for *_, count in recorded), "a migration was recorded with no statements"
    assert tables >= EXPECTED_TABLES, f"missing tables: {sorted(EXPECTED_TABLES - tables)}"


def test_rls_is_enabled_on_every_public_table_and_each_has_policies(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        rows = conn.execute(
            "select c.relname, c.relrowsecurity,"
            " (select count(*) from pg_policies p"
            "   where p.schemaname = 'public' and p.tablename = c.relname)"
            " from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'"
        ).fetchall()
    without_rls = sorted(name for name, rls, _ in rows if not rls)
    without_policies = sorted(name for name, _, n in rows if n == 0)
    assert not without_rls, f"RLS is off on: {without_rls}"
    assert not without_policies, f"RLS on but no policy at all on: {without_policies}"


def test_buckets_exist_with_their_limits_and_storage_policies(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        buckets = {
            r[0]: (r[1], r[2], r[3])
            for r in conn.execute(
                "select id, public, file_size_limit, allowed_mime_types from storage.buckets"
            )
        }
        policy_text = " ".join(
            str(r[0])
            for r in conn.execute(
                "select coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies"
                " where schemaname = 'storage' and tablename = 'objects'"
            )
        )
    for bucket, expected in EXPECTED_BUCKETS.items():
        assert bucket in buckets, f'bucket "{bucket}" does not exist'
        assert buckets[bucket] == expected, f'bucket "{bucket}" is {buckets[bucket]}'
        assert f"'{bucket}'" in policy_text, f'no storage.objects policy mentions "{bucket}"'


def test_the_thumbnails_migration_can_be_run_again(app_db: Seeded) -> None:
    before = (_row_counts(app_db.url), _catalogue(app_db.url))
    with psycopg.connect(app_db.url, autocommit=True) as conn, conn.transaction():
        conn.execute((MIGRATIONS / RERUNNABLE).read_bytes())
    after = (_row_counts(app_db.url), _catalogue(app_db.url))
    assert after == before, f"re-running {RERUNNABLE} changed the database"


def test_defaults_use_pgcrypto_and_uuid_ossp(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        conn.execute("set search_path = ''")  # so that defaults deparse schema-qualified
        defaults = " ".join(
            str(r[0])
            for r in conn.execute(
                "select column_default from information_schema.columns"
                " where table_schema = 'public' and column_default is not null"
            )
        )
        token = _scalar(conn, "select token from public.goal_invites limit 1")
    for function in (
        "gen_random_uuid()",
        "extensions.uuid_generate_v4()",
        "extensions.gen_random_bytes(16)",
    ):
        assert function in defaults, f"no column default uses {function}"
    assert isinstance(token, str) and len(token) == 32 and int(token, 16) >= 0


# -- policies, as PostgREST would run them -------------------------------------------------------


def test_a_user_sees_only_their_own_rows(as_role: RunAs) -> None:
    assert as_role("authenticated", "user", "select count(*) from weight_measurements")[0][0] == 30
    assert as_role("authenticated", "invitee", "select count(*) from weight_measurements") == [(0,)]
    assert as_role("authenticated", "user", "select count(*) from profiles") == [(1,)]
    assert as_role("authenticated", "admin", "select count(*) from profiles") == [(3,)]
    assert as_role("authenticated", "user", "select count(*) from admin_logs") == [(0,)]
    chat = "select count(*) from storage.objects where bucket_id = 'chat-images'"
    assert as_role("authenticated", "user", chat)[0][0] >= 2
    assert as_role("authenticated", "invitee", chat) == [(0,)]


def test_anon_reads_the_home_screen_and_nothing_private(as_role: RunAs) -> None:
    for table in ("hero_videos", "playlist_items", "daily_missions"):
        assert as_role("anon", None, f"select count(*) from {table}")[0][0] > 0, table
    assert len(as_role("anon", None, "select * from today_mission()")) == 1
    for table in ("profiles", "courses", "goals", "goal_invites"):
        assert as_role("anon", None, f"select count(*) from {table}") == [(0,)], table
    # health data is kept from anon by its grants, not only by RLS
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role("anon", None, "select count(*) from weight_measurements")
    chat = "select count(*) from storage.objects where bucket_id = 'chat-images'"
    assert as_role("anon", None, chat) == [(0,)]


def test_the_invitee_sees_the_invites_addressed_to_them(as_role: RunAs) -> None:
    invites = as_role("authenticated", "invitee", "select invitee_email from goal_invites")
    assert invites == [("invitee@lms.test",)]
    assert as_role("authenticated", "invitee", "select count(*) from goals") == [(1,)]
    assert as_role("authenticated", "admin", "select count(*) from goal_invites") == [(0,)]


def test_only_admins_change_the_catalogue_and_each_change_is_logged(as_role: RunAs) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        as_role("authenticated", "user", "insert into courses (title) values ('Not mine')")
    logged = as_role(
        "authenticated",
        "admin",
        "insert into courses (title) values ('Selftest Pilates')",
        "insert into course_modules (course_id, title)"
        " select id, 'Selftest Basics' from courses where title = 'Selftest Pilates'",
        "insert into lessons (module_id, title)"
        " select m.id, 'Selftest Breathing' from course_modules m join courses c on c.id = m.course_id"
        " where c.title = 'Selftest Pilates'",
        "select l.entity, l.action, l.details ->> 'title', l.actor_id = auth.uid()"
        " from admin_logs l where l.details ->> 'title' in ('Selftest Pilates', 'Selftest Basics', 'Selftest Breathing')"
        " order by l.id",
    )
    assert logged == [
        ("courses", "insert", "Selftest Pilates", True),
        ("course_modules", "insert", "Selftest Basics", True),
        ("lessons", "insert", "Selftest Breathing", True),
    ]


def test_a_user_cannot_make_themselves_admin(as_role: RunAs) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only an admin"):
        as_role("authenticated", "user", "update profiles set is_admin = true")


def test_avatars_are_written_only_under_the_users_own_folder(
    as_role: RunAs, app_db: Seeded
) -> None:
    own = f"{app_db.user_ids['user']}/new.png"
    other = f"{app_db.user_ids['admin']}/new.png"
    insert = "insert into storage.objects (bucket_id, name) values ('avatars', %s) returning name"
    assert as_role("authenticated", "user", insert, params=(own,)) == [(own,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role("authenticated", "user", insert, params=(other,))


# -- seed ---------------------------------------------------------------------------------------


def test_seeded_accounts_sign_in_with_bcrypt_and_have_identities(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        for account in ACCOUNTS:
            row = conn.execute(
                "select u.encrypted_password = extensions.crypt(%s, u.encrypted_password),"
                " u.encrypted_password like '$2_$10$%%', u.email_confirmed_at is not null,"
                " u.aud, u.role, p.is_admin, p.phone,"
                " (select count(*) from auth.identities i"
                "   where i.user_id = u.id and i.provider = 'email' and i.provider_id = u.id::text)"
                " from auth.users u join public.profiles p on p.id = u.id where u.email = %s",
                (app_db.passwords[account.role], account.email),
            ).fetchone()
            assert row is not None, f"account {account.email} was not seeded"
            matches, bcrypt_10, confirmed, aud, role, is_admin, phone, identities = row
            assert matches, f"{account.email}: the stored hash does not match its password"
            assert bcrypt_10 and confirmed and (aud, role) == ("authenticated", "authenticated")
            assert is_admin == account.is_admin, f"{account.email}: is_admin is {is_admin}"
            assert phone == account.phone, f"{account.email}: profile phone is {phone!r}"
            assert identities == 1, f"{account.email} has {identities} email identities"


def test_seeded_catalogue_has_courses_modules_lessons_and_thumbnails(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        courses = conn.execute(
            "select c.title, c.thumbnail_url,"
            " (select count(*) from course_modules m where m.course_id = c.id),"
            " (select count(*) from lessons l join course_modules m on m.id = l.module_id"
            "   where m.course_id = c.id)"
            " from courses c"
        ).fetchall()
        logged = _scalar(conn, "select count(*) from admin_logs where action = 'insert'")
    assert len(courses) >= 3
    for title, thumbnail_url, modules, lessons in courses:
        assert modules >= 1 and lessons >= 1, f"course {title!r} has no modules or lessons"
        _assert_public_object(app_db, thumbnail_url, "course-thumbnails", "image/jpeg")
    assert logged == sum(1 + m + n for _, _, m, n in courses), "admin_logs misses catalogue rows"


def test_seeded_home_media_is_in_storage_and_playable(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        hero = conn.execute(
            "select video_url, poster_url from hero_videos where is_active"
        ).fetchall()
        playlist = conn.execute(
            "select media_url, media_type, position from playlist_items order by position"
        ).fetchall()
    assert len(hero) == 1, "exactly one active hero video"
    video = _assert_public_object(app_db, hero[0][0], "media", "video/webm")
    assert _webm_duration_seconds(video) > 1.0
    _assert_public_object(app_db, hero[0][1], "media", "image/jpeg")
    assert len(playlist) >= 3
    assert [p for *_, p in playlist] == sorted(p for *_, p in playlist)
    for url, media_type, _ in playlist:
        _assert_public_object(app_db, url, "media", f"{media_type}/")


def test_todays_mission_and_the_next_days_exist(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        today = conn.execute(
            "select m.mission_date = current_date from public.today_mission() m"
        ).fetchall()
        ahead = _scalar(
            conn,
            "select count(*) from daily_missions"
            " where mission_date between current_date and current_date + 30",
        )
        answered_today = _scalar(
            conn,
            "select count(*) from mission_answers a join daily_missions m on m.id = a.mission_id"
            " where m.mission_date = current_date",
        )
    assert today == [(True,)], "no daily mission dated today"
    assert ahead == 31, "a day of the next month has no mission"
    assert answered_today == 0, "today's mission must be left for the user to answer"


def test_weight_history_ends_before_now(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        count, days, latest_in_past = conn.execute(
            "select count(*), count(distinct measured_at::date), max(measured_at) < now()"
            " from weight_measurements where user_id = %s",
            (app_db.user_ids["user"],),
        ).fetchone() or (0, 0, False)
    assert (count, days) == (30, 30), f"{count} measurements on {days} days"
    assert latest_in_past, "a seeded measurement is in the future: 'latest' would be stale"


def test_storage_rows_have_supabase_metadata_and_bytes_on_disk(app_db: Seeded) -> None:
    with psycopg.connect(app_db.url) as conn:
        rows = conn.execute(
            "select bucket_id, name, owner, metadata from storage.objects"
        ).fetchall()
    assert {b for b, *_ in rows} == set(EXPECTED_BUCKETS)
    chat = [name for bucket, name, *_ in rows if bucket == "chat-images"]
    assert len(chat) >= 2 and all(n.startswith(f"{app_db.user_ids['user']}/") for n in chat)
    for bucket, name, owner, metadata in rows:
        assert set(metadata) == METADATA_KEYS, f"{bucket}/{name}: metadata keys {sorted(metadata)}"
        data = (app_db.storage / bucket / name).read_bytes()
        assert metadata["size"] == metadata["contentLength"] == len(data), f"{bucket}/{name}"
        assert metadata["eTag"] == f'"{hashlib.md5(data).hexdigest()}"', f"{bucket}/{name}"
        assert owner is not None, f"{bucket}/{name} has no owner"


def test_seed_does_nothing_on_a_seeded_database(app_db: Seeded) -> None:
    before = _row_counts(app_db.url)
    accounts = {r: {"password": pw} for r, pw in app_db.passwords.items()}
    with psycopg.connect(app_db.url, autocommit=True) as conn:
        assert not seed(conn, app_db.storage, accounts, PUBLIC_URL).seeded
    assert _row_counts(app_db.url) == before


def test_seed_refuses_accounts_without_passwords(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no password for seeded account"):
        seed("postgresql://unused", tmp_path, {"admin": {"password": "x"}}, PUBLIC_URL)


def test_volume_seed_adds_users_and_rows_once(server: Server, tmp_path: Path) -> None:
    url = server.fresh_base("volume")
    bootstrap.migrate(url, MIGRATIONS)
    accounts = {a.role: {"password": secrets.token_urlsafe(12)} for a in ACCOUNTS}
    with psycopg.connect(url, autocommit=True) as conn:
        seed(conn, tmp_path, accounts, PUBLIC_URL)
        assert seed_volume(conn, users=40, rows=2000)
        assert not seed_volume(conn, users=40, rows=2000)
    counts = _row_counts(url)
    assert counts["auth.users"] == counts["public.profiles"] == counts["auth.identities"] == 43
    assert counts["public.weight_measurements"] == 30 + 2000
    with psycopg.connect(url) as conn:
        per_user = conn.execute(
            "select min(c), max(c) from (select count(*) c from weight_measurements w"
            " join auth.users u on u.id = w.user_id where u.email like 'load-%%'"
            " group by u.id) t"
        ).fetchone()
    assert per_user == (50, 50), f"weigh-ins per load user (min, max): {per_user}"


# -- dump and restore ---------------------------------------------------------------------------


def test_dump_and_restore_into_a_fresh_base_keeps_everything(
    server: Server, app_db: Seeded, tmp_path: Path
) -> None:
    """The playbook's commands; the data is loaded with triggers and FK checks off
    (session_replication_role=replica, as Supabase's restore guide does), because the base
    shape already holds auth.identities' foreign key and pg_restore loads identities first."""
    dump = tmp_path / "backup.dump"
    dumped = subprocess.run(
        [str(server.bindir / "pg_dump"), "--no-owner", "--no-privileges", "--format=custom",
         f"--file={dump}", f"--dbname={app_db.url}"],
        capture_output=True, text=True, env=server.env(), timeout=120,
    )  # fmt: skip
    assert dumped.returncode == 0, dumped.stderr
    target = server.fresh_base("restored")
    restored = subprocess.run(
        [str(server.bindir / "pg_restore"), "--no-owner", "--no-privileges",
         f"--dbname={target}", str(dump)],
        capture_output=True, text=True, timeout=120,
        env={**server.env(), "PGOPTIONS": "-c session_replication_role=replica"},
    )  # fmt: skip
    # the base shape already has Supabase's schemas: pg_restore may only say so, nothing else
    unexpected = [
        line
        for line in _restore_errors(restored.stderr)
        if not (
            ("already exists" in line or "multiple primary keys" in line)
            and any(f" {schema}." in line or f'"{schema}"' in line for schema in PLATFORM_SCHEMAS)
        )
    ]
    assert not unexpected, "pg_restore failed on the app's objects:\n" + "\n".join(unexpected)
    assert _row_counts(target) == _row_counts(app_db.url)
    assert _catalogue(target) == _catalogue(app_db.url)
    with psycopg.connect(target) as conn:
        # the trigger on auth.users came back and works: a new user gets a profile
        conn.execute(
            "insert into auth.users (id, email, raw_user_meta_data)"
            " values (gen_random_uuid(), 'restored@lms.test', '{\"full_name\": \"R\"}')"
        )
        assert (
            _scalar(conn, "select full_name from profiles where email = 'restored@lms.test'") == "R"
        )
        conn.rollback()
        # and the grants the base's default privileges give still let a user read their rows
        conn.execute("select set_config('role', 'authenticated', true)")
        conn.execute(
            "select set_config('request.jwt.claims', %s, true)",
            (json.dumps({"role": "authenticated", "sub": app_db.user_ids["user"]}),),
        )
        assert _scalar(conn, "select count(*) from weight_measurements") == 30


def _restore_errors(stderr: str) -> list[str]:
    """pg_restore's error lines, each with the statement it ran."""
    blocks = stderr.split("pg_restore: ")
    return [" ".join(b.split()) for b in blocks if b.startswith("error")]


# -- media fixtures ---------------------------------------------------------------------------


def test_the_hero_video_is_a_real_short_webm() -> None:
    data = (FIXTURES / "media" / "hero.webm").read_bytes()
    assert data[:4] == b"\x1a\x45\xdf\xa3", "hero.webm does not start with an EBML header"
    assert 2.0 <= _webm_duration_seconds(data) <= 4.0
    assert len(data) < 512 * 1024


def test_the_image_fixtures_are_real_png_and_jpeg() -> None:
    for path in [FIXTURES / "avatar.png", *FIXTURES.glob("images/*.png")]:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path.name
        width, height = struct.unpack(">II", data[16:24])
        assert width > 0 and height > 0, path.name
    for path in [FIXTURES / "thumbnail.jpg", *FIXTURES.glob("**/*.jpg")]:
        data = path.read_bytes()
        assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9", path.name


# -- helpers ------------------------------------------------------------------------------------


def _assert_public_object(app_db: Seeded, url: str, bucket: str, mime_prefix: str) -> bytes:
    """The URL is the stack's public URL of an object whose row and bytes exist."""
    prefix = f"{PUBLIC_URL}/storage/v1/object/public/{bucket}/"
    assert url.startswith(prefix), f"{url} is not a public URL of bucket {bucket!r}"
    name = url.removeprefix(prefix)
    with psycopg.connect(app_db.url) as conn:
        mimetype = _scalar(
            conn,
            "select metadata ->> 'mimetype' from storage.objects where bucket_id = %s and name = %s",
            (bucket, name),
        )
    assert str(mimetype).startswith(mime_prefix), f"{bucket}/{name} is {mimetype}"
    data = (app_db.storage / bucket / name).read_bytes()
    assert data, f"{bucket}/{name} is empty on disk"
    return data


def _ebml_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at `pos`: (value, next position)."""
    first = data[pos]
    length = 1
    while length <= 8 and not first & (0x80 >> (length - 1)):
        length += 1
    value = first if keep_marker else first & (0xFF >> length)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def _webm_duration_seconds(data: bytes) -> float:
    """Segment/Info/Duration × TimecodeScale of a WebM file, read from its EBML tree."""
    doc_type, pos, end = None, 0, len(data)
    scale, duration = 1_000_000, None
    while pos < end:
        element, pos = _ebml_vint(data, pos, keep_marker=True)
        size, pos = _ebml_vint(data, pos, keep_marker=False)
        if element == 0x1A45DFA3:  # EBML header: find DocType inside
            inner = data[pos : pos + size]
            i = 0
            while i < len(inner):
                child, i = _ebml_vint(inner, i, keep_marker=True)
                child_size, i = _ebml_vint(inner, i, keep_marker=False)
                if child == 0x4282:
                    doc_type = inner[i : i + child_size].decode()
                i += child_size
            pos += size
        elif element == 0x18538067:  # Segment: descend (its size may be "unknown")
            end = min(len(data), pos + size)
        elif element == 0x1549A966:  # Info
            inner_end = pos + size
            while pos < inner_end:
                child, pos = _ebml_vint(data, pos, keep_marker=True)
                child_size, pos = _ebml_vint(data, pos, keep_marker=False)
                raw = data[pos : pos + child_size]
                if child == 0x2AD7B1:
                    scale = int.from_bytes(raw, "big")
                elif child == 0x4489:
                    duration = struct.unpack(">f" if child_size == 4 else ">d", raw)[0]
                pos += child_size
            break
        else:
            pos += size
    assert doc_type == "webm", f"EBML DocType is {doc_type!r}, not webm"
    assert duration is not None, "the WebM has no Segment/Info/Duration"
    return duration * scale / 1e9
