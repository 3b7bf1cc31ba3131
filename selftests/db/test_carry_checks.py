"""Grants, the rest of the schema, stale references to the old project and auth data, against a
real stand-in: one server read before and after a change stands in for old and new.

Each change runs inside a transaction that is rolled back, so the shared stack stays clean.
"""

from __future__ import annotations

import psycopg

from postmigration import db
from postmigration.db.objects import OBJECT_CATALOG
from selftests.db.conftest import broken

OLD_ORIGIN = "https://abcdefghijklmnopqrst.supabase.co"


def test_app_schemas_are_public_and_custom_ones(conn: psycopg.Connection) -> None:
    """The reference app's schemas: public and reporting, none of the platform's."""
    assert db.app_schemas(conn) == ("public", "reporting")


def test_grant_changes_are_named_both_ways(conn: psycopg.Connection) -> None:
    """A lost grant, a lost revoke, a lost default privilege, a column grant and a function's
    EXECUTE: each named with role, privilege and object; an untouched server has none."""
    schemas = db.app_schemas(conn)
    before = db.privileges(conn, schemas)
    assert db.privilege_differences(db.privileges(conn, schemas), before) == []
    damage = (
        "grant select on public.weight_measurements to anon",
        "revoke select on reporting.weekly_weight from authenticated",
        "alter default privileges for role postgres in schema reporting"
        " revoke select on tables from service_role",
        "grant update (title) on public.courses to anon",
        "revoke execute on function public.is_admin() from anon",
        "revoke usage on schema reporting from authenticated",
    )
    with broken(conn, *damage):
        problems = db.privilege_differences(db.privileges(conn, schemas), before)
    assert set(problems) == {
        "anon holds SELECT on table public.weight_measurements, which old does not grant",
        "authenticated lacks SELECT on view reporting.weekly_weight (old grants it)",
        "service_role lacks SELECT on default privileges of postgres in schema reporting"
        " for future tables (old grants it)",
        "anon holds UPDATE on column public.courses.title, which old does not grant",
        "anon lacks EXECUTE on function public.is_admin() (old grants it)",
        "authenticated lacks USAGE on schema reporting (old grants it)",
    }


def test_grants_know_their_servers_version(conn: psycopg.Connection) -> None:
    """privileges() carries the server's `server_version_num`, by which MAINTAIN is compared
    only where both servers have it (PostgreSQL 17 on)."""
    found = db.privileges(conn, db.app_schemas(conn))
    row = conn.execute("show server_version_num").fetchone()
    assert row is not None and found.server_version_num == int(row[0])


def test_the_platforms_messages_publication_is_left_out(conn: psycopg.Connection) -> None:
    """supabase_realtime_messages_publication publishing a daily partition of realtime.messages,
    and that partition added to another publication, as a real project has them: left out of
    the facts, so no finding and a snapshot that does not change from day to day."""
    schemas = db.app_schemas(conn)
    before = db.object_facts(conn, schemas)
    platform = (
        "create schema if not exists realtime",
        "create table realtime.messages (id bigint, inserted_at date not null)"
        " partition by range (inserted_at)",
        "create table realtime.messages_2024_06_01 partition of realtime.messages"
        " for values from ('2024-06-01') to ('2024-06-02')",
        "create publication supabase_realtime_messages_publication"
        " for table realtime.messages_2024_06_01",
        "create publication pm_pub for table realtime.messages_2024_06_01",
    )
    with broken(conn, *platform):
        published = dict(
            conn.execute(OBJECT_CATALOG["published table"], {"schemas": []}).fetchall()
        )
        after = db.object_facts(conn, schemas)
    assert {
        "realtime.messages_2024_06_01 in publication supabase_realtime_messages_publication",
        "realtime.messages_2024_06_01 in publication pm_pub",
    } <= published.keys()
    assert "supabase_realtime_messages_publication" not in after["publication"]
    assert db.object_differences(after, before) == [
        "publication pm_pub exists on new but not on old"
    ]


def test_object_changes_are_named(conn: psycopg.Connection) -> None:
    """An extension moved to public, a function turned security invoker and its search_path
    dropped, a new enum label, a sequence's increment, a lost auth column, a table dropped
    from a publication, a table's replica identity, the app's event trigger disabled: each
    named with what new has and what old has."""
    schemas = db.app_schemas(conn)
    setup = (
        "create type public.pm_mood as enum ('low', 'high')",
        "create publication pm_pub for table public.goals, public.notifications",
    )
    with broken(conn, *setup):
        before = db.object_facts(conn, schemas)
        public_before = db.schema_facts(conn)
        assert db.object_differences(db.object_facts(conn, schemas), before) == []
        damage = (
            'alter extension "uuid-ossp" set schema public',
            "alter function public.is_admin() security invoker",
            "alter function public.is_admin() reset search_path",
            "alter type public.pm_mood add value 'mid' before 'high'",
            "alter sequence public.weight_measurements_id_seq increment by 2",
            "alter table auth.identities drop column last_sign_in_at",
            "alter publication pm_pub drop table public.notifications",
            "alter table public.notifications replica identity full",
            "alter event trigger ensure_rls_on_new_tables disable",
        )
        for statement in damage:
            conn.execute(statement)  # type: ignore[arg-type]
        problems = db.object_differences(db.object_facts(conn, schemas), before)
        # the moved extension's functions are its own: public's schema comparison names none
        schema_problems = db.schema_differences(db.schema_facts(conn), public_before)
        moved = [p for p in schema_problems if p.startswith("function public.uuid_")]
    expected_starts = (
        "extension uuid-ossp differs: new has 'in schema public, version",
        "function public.is_admin() differs: new has 'owned by postgres, security invoker,"
        " settings none', old has 'owned by postgres, security definer, settings search_path=\"\"'",
        "enum public.pm_mood differs: new has \"labels 'low', 'mid', 'high'\"",
        "sequence public.weight_measurements_id_seq differs: new has 'bigint start 1 increment 2",
        "auth or storage column auth.identities.last_sign_in_at is missing on new",
        "published table public.notifications in publication pm_pub is missing on new",
        "replica identity of table public.notifications differs: new has 'full: update and"
        " delete events carry the whole old row', old has 'default: update and delete events"
        " carry the primary key only'",
        "event trigger ensure_rls_on_new_tables differs: new has 'on ddl_command_end for CREATE"
        " TABLE, CREATE TABLE AS, SELECT INTO, runs public.enable_rls_on_new_tables(),"
        " disabled', old has",
    )
    for start in expected_starts:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected_starts), problems
    assert moved == [], moved


def test_stale_references_name_each_object(conn: psycopg.Connection) -> None:
    """A function body, a trigger's arguments, a column default and a view naming the old
    project (its host, or only its ref) are each named; nothing is named on the healthy stack."""
    needles = db.old_project_needles([OLD_ORIGIN])
    assert needles == ("abcdefghijklmnopqrst", "abcdefghijklmnopqrst.supabase.co")
    schemas = db.app_schemas(conn)
    assert db.stale_references(conn, needles, schemas) == []
    damage = (
        "create function public.pm_link() returns text language sql"
        f" as $$ select '{OLD_ORIGIN}/storage/v1/object/public/avatars/' $$",
        "create function public.pm_noop() returns trigger language plpgsql"
        " as $$ begin return new; end $$",
        "create trigger pm_hook after insert on public.notifications for each row"
        " execute function public.pm_noop('https://x.example/hook?ref=abcdefghijklmnopqrst')",
        f"alter table public.hero_videos alter column poster_url set default '{OLD_ORIGIN}/p.png'",
        f"create view reporting.pm_links as select '{OLD_ORIGIN.upper()}'::text as link",
    )
    with broken(conn, *damage):
        problems = db.stale_references(conn, needles, schemas)
    assert problems == [
        "function public.pm_link() (function body) names abcdefghijklmnopqrst",
        "function public.pm_link() (function body) names abcdefghijklmnopqrst.supabase.co",
        "trigger pm_hook on public.notifications (trigger definition) names abcdefghijklmnopqrst",
        "the default of column public.hero_videos.poster_url (column default) names"
        " abcdefghijklmnopqrst",
        "the default of column public.hero_videos.poster_url (column default) names"
        " abcdefghijklmnopqrst.supabase.co",
        "view reporting.pm_links (view definition) names abcdefghijklmnopqrst",
        "view reporting.pm_links (view definition) names abcdefghijklmnopqrst.supabase.co",
    ]


def test_settings_naming_the_old_project_are_named_without_their_values(
    conn: psycopg.Connection,
) -> None:
    """A setting of the database, of an API role, of a role in this database and of every role
    (ALTER ROLE ALL SET) holding old's URL is named by its holder and name, never its value; a
    setting for another database is not this database's and is not named."""
    needles = db.old_project_needles([OLD_ORIGIN])
    schemas = db.app_schemas(conn)
    url = f"{OLD_ORIGIN}/functions/v1"
    damage = (
        f"alter database postgres set app.settings.functions_url = '{url}'",
        f"alter role authenticator set app.settings.invite_hook = '{url}/goal-notifications'",
        f"alter role service_role in database postgres set app.settings.report = '{url}/report'",
        f"alter role all set app.settings.cron_url = '{url}/cron'",
        f"alter role anon in database template1 set app.settings.elsewhere = '{url}'",
    )
    with broken(conn, *damage):
        problems = db.stale_references(conn, needles, schemas)
    setting = "(role or database setting) names"
    assert problems == [
        f"every role: app.settings.cron_url {setting} abcdefghijklmnopqrst",
        f"every role: app.settings.cron_url {setting} abcdefghijklmnopqrst.supabase.co",
        f"role authenticator: app.settings.invite_hook {setting} abcdefghijklmnopqrst",
        f"role authenticator: app.settings.invite_hook {setting} abcdefghijklmnopqrst.supabase.co",
        f"role service_role in this database: app.settings.report {setting} abcdefghijklmnopqrst",
        f"role service_role in this database: app.settings.report {setting}"
        " abcdefghijklmnopqrst.supabase.co",
        f"the database: app.settings.functions_url {setting} abcdefghijklmnopqrst",
        f"the database: app.settings.functions_url {setting} abcdefghijklmnopqrst.supabase.co",
    ]


def test_settings_of_every_role_are_among_the_api_roles_settings(conn: psycopg.Connection) -> None:
    """role-settings reads what the API roles start with: their own settings, the database's
    and every role's (ALTER ROLE ALL SET), each under its holder; not another role's."""
    damage = (
        "alter role all set statement_timeout = '20s'",
        "alter role authenticated set idle_in_transaction_session_timeout = '9s'",
        "alter role postgres set work_mem = '8MB'",
    )
    before = db.role_settings(conn)
    with broken(conn, *damage):
        after = db.role_settings(conn)
    assert {key: after[key] for key in after.keys() - before.keys()} == {
        ("every role", "statement_timeout"): "20s",
        ("role authenticated", "idle_in_transaction_session_timeout"): "9s",
    }
    assert db.role_setting_differences(before, after) == [
        "every role: statement_timeout = 20s on old but not on new",
        "role authenticated: idle_in_transaction_session_timeout = 9s on old but not on new",
    ]


def test_auth_data_is_compared_and_users_without_identity_counted(
    conn: psycopg.Connection,
) -> None:
    """auth.identities is among the compared tables; deleting identities changes its
    fingerprint and counts the users left without one."""
    tables = db.compared_tables(conn)
    assert "auth.identities" in tables and "auth.users" in tables
    assert "reporting.weekly_weight" not in tables  # a view has no rows of its own
    before = db.fingerprints(conn, ["auth.identities"])
    without = db.users_without_identity(conn)
    with broken(
        conn, "delete from auth.identities where id in (select id from auth.identities limit 2)"
    ):
        after = db.fingerprints(conn, ["auth.identities"])
        assert db.users_without_identity(conn) == without + 2
    assert after != before


def test_needles_name_old_hosts_and_refs_never_passwords_nor_new() -> None:
    """From old's API, database and pooler URLs: hosts with ports and project refs; a pooler's
    shared host is left out, so is anything new's own URLs hold, and so is every password."""
    olds = [
        "https://abcdefghijklmnopqrst.supabase.co",
        "postgresql://postgres:s3cret@db.abcdefghijklmnopqrst.supabase.co:5432/postgres",
        "postgresql://postgres.abcdefghijklmnopqrst:s3cret@aws-0-eu-west-1.pooler.supabase.com:6543/postgres",
        "old.example.com",
        "http://127.0.0.1:41069",
    ]
    mine = ["http://127.0.0.1:41069", "https://app.example.com"]
    assert db.old_project_needles(olds, mine) == (
        "abcdefghijklmnopqrst",
        "abcdefghijklmnopqrst.supabase.co",
        "db.abcdefghijklmnopqrst.supabase.co:5432",
        "old.example.com",
    )


def test_the_app_s_roles_and_their_memberships_are_compared(conn: psycopg.Connection) -> None:
    """The stand-in's own role report_reader is the app's (the platform's roles are not); its
    grant to authenticator lost, its attributes changed, or the role gone: each named; a role
    only new has is not judged."""
    before = db.app_roles(conn)
    assert before == {
        "report_reader": {
            "attributes": "nologin, noinherit",
            "member of": [],
            "granted to": ["authenticator"],
        }
    }, before
    with broken(
        conn,
        "revoke report_reader from authenticator",
        "alter role report_reader login connection limit 3",
        "create role pm_only_on_new nologin",
    ):
        changed = db.app_roles(conn)
    assert db.role_differences(changed, before) == [
        "role report_reader differs: new has 'login, noinherit, connection limit 3', old has"
        " 'nologin, noinherit'",
        "role report_reader is not granted to authenticator on new (old grants it): the API"
        " cannot switch to it, and a request whose token claims it is refused",
    ]
    assert db.role_differences({}, before, old_name="the snapshot") == [
        "role report_reader is missing on new (the snapshot has it: nologin, noinherit): grants"
        " and policies naming it cannot be restored, and a token claiming it is refused"
    ]


def test_the_api_roles_are_checked_against_how_supabase_makes_them(
    conn: psycopg.Connection,
) -> None:
    """The stand-in's anon, authenticated and service_role pass; service_role without
    BYPASSRLS, authenticated with it and not granted to authenticator, or anon a superuser:
    each named for what it does."""
    assert db.api_role_problems(conn) == []
    with broken(
        conn,
        "alter role service_role nobypassrls",
        "alter role authenticated bypassrls",
        "alter role anon superuser",
        "revoke authenticated from authenticator",
    ):
        problems = db.api_role_problems(conn)
    assert problems == [
        "role anon bypasses row level security on new (BYPASSRLS or superuser; Supabase's does"
        " not): no RLS policy applies to visitors (requests with the publishable or anon key and"
        " no session), so they read and change every row their grants reach",
        "role authenticated is not granted to authenticator on new (Supabase grants it): the API"
        " cannot switch to it, so it refuses every request from signed-in users",
        "role authenticated bypasses row level security on new (BYPASSRLS or superuser;"
        " Supabase's does not): no RLS policy applies to signed-in users, so they read and change"
        " every row their grants reach",
        "role service_role does not bypass row level security on new (Supabase's has BYPASSRLS):"
        " the server side (requests with the secret or service_role key) sees only what RLS"
        " policies give it, so rows, buckets and objects seem to be missing to edge functions,"
        " admin tools and this gate's own reads",
    ], problems
    assert db.api_role_problems(conn) == []


def test_the_api_roles_memberships_are_compared(conn: psycopg.Connection) -> None:
    """The stand-in's anon, authenticated and service_role inherit nothing and belong to no
    role; authenticator belongs to them and report_reader, and inherits nothing.
    authenticated made INHERIT and a member of report_reader, anon a member of it without
    INHERIT, and service_role out of pg_read_all_data that the reference gives it: each named
    for what it does to requests; equal sides: nothing."""
    before = db.api_role_memberships(conn)
    assert before == {
        **{
            role: {"inherit": False, "member of": []}
            for role in ("anon", "authenticated", "service_role")
        },
        "authenticator": {
            "inherit": False,
            "member of": ["anon", "authenticated", "report_reader", "service_role"],
        },
    }, before
    assert db.api_membership_differences(before, before) == []
    with broken(
        conn,
        "alter role authenticated inherit",
        "grant report_reader to authenticated",
        "grant report_reader to anon",
    ):
        after = db.api_role_memberships(conn)
    reference = {**before, "service_role": {"inherit": False, "member of": ["pg_read_all_data"]}}
    assert db.api_membership_differences(after, reference, old_name="the snapshot") == [
        "role anon is a member of report_reader on new but not on the snapshot: anon does not"
        " inherit them (NOINHERIT), but may take them with SET ROLE",
        "role authenticated is a member of report_reader on new but not on the snapshot: every"
        " request made as authenticated holds report_reader's rights",
        "role authenticated inherits the rights of the roles it is a member of on new (INHERIT;"
        " the snapshot's does not, as Supabase makes it): a role authenticated is made a member"
        " of lends every request its rights",
        "role service_role is not a member of pg_read_all_data on new (the snapshot makes it"
        " one): requests made as service_role lack what it gives them",
    ]
    assert db.api_role_memberships(conn) == before


def test_the_api_login_s_memberships_are_compared(conn: psycopg.Connection) -> None:
    """authenticator made a member of postgres on new alone is named for what a token may then
    do, and with INHERIT for what its login holds itself; a role it lost is left to the checks
    that name it from the lost role's side; a reference without it compares nothing of it."""
    before = db.api_role_memberships(conn)
    with broken(conn, "grant postgres to authenticator"):
        granted = db.api_role_memberships(conn)
    with broken(conn, "alter role authenticator inherit", "grant postgres to authenticator"):
        inherited = db.api_role_memberships(conn)
    with broken(conn, "revoke report_reader from authenticator"):
        lost = db.api_role_memberships(conn)
    assert db.api_membership_differences(granted, before) == [
        "role authenticator is a member of postgres on new but not on old: the API acts as"
        " postgres for any request whose token names it"
    ]
    assert db.api_membership_differences(inherited, before) == [
        "role authenticator is a member of postgres on new but not on old: the API acts as"
        " postgres for any request whose token names it, and the API's login itself holds its"
        " rights",
        "role authenticator inherits the rights of the roles it is a member of on new (INHERIT;"
        " old's does not, as Supabase makes it): the API's login itself holds the rights of"
        " every role it may switch to (anon, authenticated, postgres, report_reader,"
        " service_role) before it switches",
    ]
    assert db.api_membership_differences(lost, before) == []
    legacy = {name: role for name, role in before.items() if name != "authenticator"}
    assert db.api_membership_differences(granted, legacy) == []
    assert db.api_role_memberships(conn) == before


def test_a_privileged_login_role_only_new_has_is_named(conn: psycopg.Connection) -> None:
    """The stand-in has no privileged login role of the app's; one made with BYPASSRLS, one a
    superuser, and one that may create roles are each named against a reference lacking them;
    a plain login role, or one the reference has, is not."""
    assert db.privileged_login_roles(conn) == {}
    with broken(
        conn,
        "create role pm_restorer login bypassrls",
        "create role pm_admin login superuser",
        "create role pm_manager login createrole",
        "create role pm_plain login",
    ):
        found = db.privileged_login_roles(conn)
    assert found == {
        "pm_admin": "login, superuser",
        "pm_manager": "login, createrole",
        "pm_restorer": "login, bypassrls",
    }, found
    named = db.privileged_roles_only_on_new(found, {"pm_manager"}, old_name="the snapshot")
    assert [line.split(" is on new")[0] for line in named] == [
        "role pm_admin (login, superuser)",
        "role pm_restorer (login, bypassrls)",
    ], named
    assert named[1] == (
        "role pm_restorer (login, bypassrls) is on new but not on the snapshot: a login role"
        " that bypasses row level security or manages roles, made for the move (to run the"
        " restore, say) and left behind? Drop it, or, if the app needs it, refresh the snapshot"
    )
