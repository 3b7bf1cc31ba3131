"""data-parity is as strong as its words, against a real stand-in. Its checksum sees one changed
value in one row at every column position of a 40-column table and of auth.users, and values
swapped between columns and between rows; triggers and foreign keys switched off, replication
mode left set, a sequence behind old's, a materialized view missing, redefined or left
without data, and the app's trigger on storage.objects lost or disabled are named.

Each change runs in a transaction that is rolled back, so the shared stand-in stays clean.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from postmigration import db
from reference.stack.runner import StackProcess

WIDE = "public.parity_wide"
ROWS = 20
# (column type, a value from row r and column i): 12 types cycle over 40 columns, so columns 12,
# 24 and 36 apart share a type (swappable) and columns 31 apart (the old shift's blind spot) exist.
TYPES = [
    ("bigint", "{r}::bigint * 1000 + {i}"),
    ("integer", "{r} * 1000 + {i}"),
    ("text", "'t' || {r} || '-' || {i}"),
    ("uuid", "md5({r} || '-' || {i})::uuid"),
    ("timestamptz", "timestamptz '2024-01-01 00:00+00' + ({r} * 40 + {i}) * interval '1 minute'"),
    ("numeric(10,2)", "({r} * 40 + {i}) / 100.0"),
    ("boolean", "({r} + {i} / 12) % 2 = 0"),  # apart in columns 12 apart and in next rows
    ("jsonb", "jsonb_build_object('r', {r}, 'i', {i})"),
    ("date", "date '2024-01-01' + {r} * 40 + {i}"),
    ("smallint", "(({r} * 40 + {i}) % 30000)::smallint"),
    ("varchar(40)", "'v' || {r} || '-' || {i}"),
    ("double precision", "({r} * 40 + {i}) / 7.0"),
]
COLUMNS = 40


def _is_null(r: int, i: int) -> bool:
    return (r + i) % 6 == 0


@pytest.fixture
def conn(stack: StackProcess) -> Iterator[psycopg.Connection]:
    """A connection inside a transaction that is rolled back at the end of the test."""
    with (
        db.connect(str(stack.target["db_url"])) as connection,
        connection.transaction(force_rollback=True),
    ):
        yield connection


def _checksum(conn: psycopg.Connection, table: str) -> int:
    return db.fingerprints(conn, [table])[table].checksum  # type: ignore[union-attr]


def _unseen(conn: psycopg.Connection, table: str, changes: dict[str, str]) -> list[str]:
    """The changes (what -> statement) after which `table`'s checksum stays the same; each is
    rolled back before the next."""
    before = _checksum(conn, table)
    unseen = []
    for what, statement in changes.items():
        with conn.transaction(force_rollback=True):
            conn.execute(statement)  # type: ignore[arg-type]
            if _checksum(conn, table) == before:
                unseen.append(what)
    return unseen


def _wide_table(conn: psycopg.Connection) -> None:
    columns = ", ".join(f"c{i} {TYPES[i % 12][0]}" for i in range(COLUMNS))
    conn.execute(f"create table {WIDE} (id int primary key, {columns})")  # type: ignore[arg-type]
    for r in range(1, ROWS + 1):
        values = ", ".join(
            "null" if _is_null(r, i) else TYPES[i % 12][1].format(r=r, i=i) for i in range(COLUMNS)
        )
        conn.execute(f"insert into {WIDE} values ({r}, {values})")  # type: ignore[arg-type]


def test_every_single_change_and_swap_in_a_40_column_table_is_seen(
    conn: psycopg.Connection,
) -> None:
    _wide_table(conn)
    changes: dict[str, str] = {}
    for i in range(COLUMNS):
        kind, value = TYPES[i % 12]
        column = f"c{i}"
        # A row where the column holds a value, and one where it is null.
        full = next(r for r in range(1, ROWS) if not _is_null(r, i) and not _is_null(r + 1, i))
        empty = next(r for r in range(1, ROWS + 1) if _is_null(r, i))
        other = f"not coalesce({column}, false)" if kind == "boolean" else value.format(r=999, i=i)
        update = f"update {WIDE} set {column} ="
        changes[f"{column} of row {full}: value -> another"] = f"{update} {other} where id = {full}"
        changes[f"{column} of row {full}: value -> null"] = f"{update} null where id = {full}"
        changes[f"{column} of row {empty}: null -> value"] = f"{update} {other} where id = {empty}"
        changes[f"{column}: rows {full} and {full + 1} swap it"] = (
            f"update {WIDE} w set {column} = s.{column} from {WIDE} s"
            f" where (w.id, s.id) in (({full}, {full + 1}), ({full + 1}, {full}))"
        )
        if i + 12 < COLUMNS:
            partner = f"c{i + 12}"
            changes[f"{column} and {partner} of row {full} swap"] = (
                f"update {WIDE} set {column} = {partner}, {partner} = {column} where id = {full}"
            )
    unseen = _unseen(conn, WIDE, changes)
    assert len(changes) == 4 * COLUMNS + COLUMNS - 12
    assert unseen == [], f"{len(unseen)} of {len(changes)} changes went unseen: {unseen}"


def test_not_null_columns_hash_as_when_nullable_and_still_see_a_change(
    conn: psycopg.Connection,
) -> None:
    """A NOT NULL column skips the null test in the row hash; the checksum must not depend on
    the constraint (old may have it and new not), and a change in such a column still shows."""
    _wide_table(conn)
    conn.execute(f"update {WIDE} set c3 = md5(id::text)::uuid, c4 = now() where c3 is null")  # type: ignore[arg-type]
    conn.execute(f"update {WIDE} set c4 = now() where c4 is null")  # type: ignore[arg-type]
    nullable = _checksum(conn, WIDE)
    conn.execute(f"alter table {WIDE} alter c3 set not null, alter c4 set not null")  # type: ignore[arg-type]
    assert _checksum(conn, WIDE) == nullable, "a NOT NULL constraint changed the checksum"
    unseen = _unseen(
        conn,
        WIDE,
        {
            "c3 of row 2": f"update {WIDE} set c3 = gen_random_uuid() where id = 2",
            "c4 of row 2": f"update {WIDE} set c4 = c4 + interval '1 microsecond' where id = 2",
        },
    )
    assert unseen == [], f"changes in NOT NULL columns went unseen: {unseen}"


def test_a_column_order_that_differs_between_the_sides_does_not_count(
    conn: psycopg.Connection,
) -> None:
    """The same columns in another order (one added by hand on one side, by a migration on the
    other), without the constraints, and the same rows: one checksum, also hashed as text."""
    _wide_table(conn)
    reversed_columns = ", ".join(f"c{i}" for i in reversed(range(COLUMNS)))
    conn.execute(
        f"create table public.parity_reversed as select {reversed_columns}, id from {WIDE}"  # type: ignore[arg-type]
    )
    assert _checksum(conn, "public.parity_reversed") == _checksum(conn, WIDE)
    # Hashed as text, as a table holding the app's URLs is.
    as_text = [db.fingerprints(conn, [t], {t: []})[t] for t in ("public.parity_reversed", WIDE)]
    assert as_text[0] is not None and as_text[1] is not None
    assert as_text[0].checksum == as_text[1].checksum, "hashed as text, the order counted"


def test_nulls_of_the_other_types_hash_and_a_value_in_their_place_shows(
    conn: psycopg.Connection,
) -> None:
    """Types the 40-column table does not hold (real, inet, interval, text[], character, and
    ones hashed as text: json, bytea, time) hash their nulls, and a null turned into a value,
    or a value into a null, shows."""
    values = {
        "r": ("real", "1.5"),
        "ip": ("inet", "'10.0.0.1'"),
        "span": ("interval", "'1 day'"),
        "tags": ("text[]", "'{a,b}'"),
        "code": ("character(3)", "'abc'"),
        "doc": ("json", """'{"a": 1}'"""),
        "raw": ("bytea", "'\\x0102'"),
        "at": ("time", "'12:00'"),
    }
    columns = ", ".join(f"{name} {kind}" for name, (kind, _) in values.items())
    conn.execute(f"create table public.parity_other (id int primary key, {columns})")  # type: ignore[arg-type]
    conn.execute("insert into public.parity_other (id) values (1)")
    filled = ", ".join(value for _, value in values.values())
    conn.execute(f"insert into public.parity_other values (2, {filled})")  # type: ignore[arg-type]
    changes = {}
    for name, (_, value) in values.items():
        update = f"update public.parity_other set {name} ="
        changes[f"{name}: null -> value"] = f"{update} {value} where id = 1"
        changes[f"{name}: value -> null"] = f"{update} null where id = 2"
    unseen = _unseen(conn, "public.parity_other", changes)
    assert unseen == [], f"changes went unseen: {unseen}"


def test_one_microsecond_shows_in_1728_and_2271_and_infinite_dates_and_times_hash(
    conn: psycopg.Connection,
) -> None:
    """Timestamps hash as seconds from 2000 (a double): one microsecond shows at both ends of
    the exact range, in both timestamp types (2271's value is one that seconds from 1970, the
    old hash, could not tell from the next microsecond), and infinite dates and timestamps hash
    without an error."""
    conn.execute(
        "create table public.parity_times (id int primary key, tz timestamptz, ts timestamp,"
        " d date)"
    )
    conn.execute(
        "insert into public.parity_times values"
        " (1, '1728-01-01 00:00:01+00', '1728-01-01 00:00:01', '1728-01-01'),"
        " (2, '2271-12-31 23:59:59+00', '2271-12-31 23:59:59', '2271-12-31'),"
        " (3, 'infinity', '-infinity', 'infinity')"
    )
    step = "+ interval '1 microsecond'"
    unseen = _unseen(
        conn,
        "public.parity_times",
        {
            f"{column} of row {row}": f"update public.parity_times set {column} = {column}"
            f" {step if column != 'd' else '+ 1'} where id = {row}"
            for column in ("tz", "ts", "d")
            for row in (1, 2)
        },
    )
    assert unseen == [], f"one-microsecond (or one-day) changes went unseen: {unseen}"


# A different value of each type auth.users uses, from the current one (`{c}`, maybe null).
_ANOTHER = {
    "uuid": "gen_random_uuid()",
    "character varying": "coalesce({c}, '') || 'x'",
    "text": "coalesce({c}, '') || 'x'",
    "timestamp with time zone": "coalesce({c}, now()) + interval '1 microsecond'",
    "jsonb": """coalesce({c}, '{{}}') || '{{"x": 1}}'""",
    "boolean": "not coalesce({c}, false)",
    "smallint": "coalesce({c}, 0) + 1",
}


def test_every_compared_column_of_auth_users_sees_one_changed_value(
    conn: psycopg.Connection,
) -> None:
    columns = conn.execute(
        """
        select a.attname, format_type(a.atttypid, null), a.attnotnull from pg_attribute a
        where a.attrelid = 'auth.users'::regclass and a.attnum > 0 and not a.attisdropped
          and a.attgenerated = '' order by a.attnum
        """
    ).fetchall()
    found = conn.execute("select id, to_jsonb(u) from auth.users u order by id limit 1").fetchone()
    assert found is not None, "the stand-in has no user"
    user, row = found
    # Foreign keys to auth.users would refuse a changed id: this transaction turns them off.
    conn.execute("set local session_replication_role = replica")
    compared = [c for c in columns if c[0] not in db.data.ACTIVITY_COLUMNS]
    changes: dict[str, str] = {}
    for name, kind, not_null in compared:
        assert kind in _ANOTHER, f"no other value for auth.users.{name} ({kind})"
        update = f"update auth.users set \"{name}\" = {{}} where id = '{user}'"
        another = _ANOTHER[kind].format(c=f'"{name}"')
        changes[f"{name}: -> {another}"] = update.format(another)
        if row[name] is not None and not not_null:
            changes[f"{name}: value -> null"] = update.format("null")
    assert len(compared) >= 25
    unseen = _unseen(conn, "auth.users", changes)
    assert unseen == [], f"changes to auth.users went unseen: {unseen}"


def test_triggers_and_foreign_keys_switched_off_are_named(conn: psycopg.Connection) -> None:
    before = db.schema_facts(conn)
    assert db.replication_role_settings(conn) == []
    conn.execute("alter table public.goals disable trigger all")
    conn.execute("alter table auth.users enable always trigger on_auth_user_created")
    conn.execute("alter role anon in database postgres set session_replication_role = replica")
    problems = db.schema_differences(db.schema_facts(conn), before)
    assert problems == [
        "trigger on_auth_user_created on auth.users is enabled always, in replication too"
        " (ENABLE ALWAYS) on new",
        # goals' own side of its foreign key, and the side on goals of the one pointing at it
        "foreign key goal_invites_goal_id_fkey on public.goal_invites is not enforced as on old:"
        " its triggers are partly disabled, partly enabled on new",
        "foreign key goals_owner_id_fkey on public.goals is not enforced as on old: its triggers"
        " are partly disabled, partly enabled on new",
    ]
    assert db.replication_role_settings(conn) == [
        "role anon in database postgres has session_replication_role = replica set"
        " (ALTER ROLE … IN DATABASE … SET)"
    ]


def test_replication_mode_set_for_every_role_is_named(conn: psycopg.Connection) -> None:
    """`ALTER ROLE ALL SET session_replication_role = replica` (every role, in every database)
    is named as such (it was named as "database None", with ALTER DATABASE's words)."""
    conn.execute("alter role all set session_replication_role = replica")
    assert db.replication_role_settings(conn) == [
        "every role, in every database, has session_replication_role = replica set"
        " (ALTER ROLE ALL SET)"
    ]


def test_sequence_behind_old_is_named_with_both_values() -> None:
    at = db.SequencePosition
    old = {"public.a_id_seq": at(620, 621, 1), "public.b_id_seq": at(None, 1, 1)}
    old |= {"public.c_id_seq": at(-50, -51, -1), "public.d_id_seq": at(9, 10, 1)}
    new = {"public.a_id_seq": at(120, 121, 1), "public.b_id_seq": at(None, 1, 1)}
    new |= {"public.c_id_seq": at(-50, -51, -1)}
    assert db.sequences_reusing_old_ids(new, old) == [
        "sequence public.a_id_seq is at 120 on new but old already handed out 620",
        "sequence public.d_id_seq is missing on new",
    ]
    new["public.a_id_seq"] = at(None, 620, 1)  # setval(620, false): it would hand out 620 again
    assert db.sequences_reusing_old_ids(new, old)[0] == (
        "sequence public.a_id_seq would hand out 620 first on new but old already handed out 620"
    )
    new["public.a_id_seq"] = at(None, 621, 1)
    assert db.sequences_reusing_old_ids(new, old) == ["sequence public.d_id_seq is missing on new"]


def test_a_materialized_view_missing_or_redefined_is_named(conn: psycopg.Connection) -> None:
    """A materialized view is compared like a view: one old has and new lacks, and one defined
    otherwise on new, are named; a snapshot taken before materialized views were read (no such
    category) compares none."""
    schemas = ("public", "reporting")
    query = "select user_id, count(*) as n from public.weight_measurements group by user_id"
    conn.execute(f"create materialized view reporting.pm_weigh_ins as {query}")
    conn.execute(f"create materialized view public.pm_leaders as {query}")
    old = db.schema_facts(conn, schemas)
    old_digest = query_digest(conn)
    conn.execute("drop materialized view public.pm_leaders")
    conn.execute("drop materialized view reporting.pm_weigh_ins")
    conn.execute(f"create materialized view reporting.pm_weigh_ins as {query} having count(*) > 1")
    new = db.schema_facts(conn, schemas)
    problems = [p for p in db.schema_differences(new, old) if "materialized" in p]
    assert problems == [
        "materialized view public.pm_leaders is missing on new",
        "materialized view reporting.pm_weigh_ins is defined differently on new: from line 4,"
        " new has 'GROUP BY weight_measurements.user_id HAVING (count(*) > 1);' where old has"
        " 'GROUP BY weight_measurements.user_id;'",
    ]
    # Against a snapshot, which keeps only a digest of each query.
    snapshot = db.digested(old)
    assert snapshot["materialized view"]["reporting.pm_weigh_ins"] == old_digest
    problems = [
        p
        for p in db.schema_differences(new, snapshot, old_name="the snapshot")
        if "materialized" in p
    ]
    assert problems[1] == (
        "materialized view reporting.pm_weigh_ins is defined differently on new: its query on new"
        " is not the one in the snapshot (which keeps only a digest)"
    )
    del old["materialized view"]
    assert [p for p in db.schema_differences(new, old) if "materialized" in p] == []


def query_digest(conn: psycopg.Connection) -> str:
    """PostgreSQL's own md5 of reporting.pm_weigh_ins's definition (as snapshots kept it,
    before a snapshot digested the text itself)."""
    row = conn.execute(
        "select md5(definition) from pg_matviews where matviewname = 'pm_weigh_ins'"
    ).fetchone()
    assert row is not None
    return str(row[0])


def test_a_redefined_view_names_its_change_and_hides_key_like_values(
    conn: psycopg.Connection,
) -> None:
    """A view defined otherwise on new names the lines that changed; a value in them that looks
    like a key is hidden (when only such a value changed, the finding says so). A function's
    body is never shown, only that it changed."""
    key, other_key = "sk_live_4f9a8b7c6d5e4f3a2b1c", "sk_live_0a1b2c3d4e5f6a7b8c9d"
    conn.execute(f"create view public.pm_keys as select '{key}' as k")
    conn.execute(f"create view public.pm_names as select '{key}' as k")
    conn.execute("create function public.pm_f() returns int language sql as 'select 1'")
    old = db.schema_facts(conn, ("public",))
    conn.execute(f"create or replace view public.pm_keys as select '{other_key}' as k")
    conn.execute("drop view public.pm_names")
    conn.execute(f"create view public.pm_names as select '{key}' as name")
    conn.execute("create or replace function public.pm_f() returns int language sql as 'select 2'")
    new = db.schema_facts(conn, ("public",))
    problems = [
        p for p in db.schema_differences(new, old) if p.startswith(("view ", "function public.pm_"))
    ]
    assert problems == [
        "view public.pm_keys is defined differently on new: from line 1, a value that looks"
        " like a key differs (not shown)",
        "view public.pm_names is defined differently on new: from line 1, new has"
        " \"SELECT '[hidden]'::text AS name;\" where old has \"SELECT '[hidden]'::text AS k;\"",
        "function public.pm_f() is defined differently on new: its body on new is not old's"
        " (not shown: a body may hold keys)",
    ]
    assert not any(key in p or other_key in p for p in problems)


def test_a_materialized_view_without_data_is_named(conn: psycopg.Connection) -> None:
    """A materialized view never refreshed (as a restore that stopped before its data leaves
    it) is named, with the command that fills it; once refreshed, it is not."""
    assert db.materialized_views_without_data(conn) == []
    conn.execute(
        "create materialized view reporting.pm_weigh_ins as select user_id, count(*) as n"
        " from public.weight_measurements group by user_id with no data"
    )
    assert db.materialized_views_without_data(conn) == [
        "materialized view reporting.pm_weigh_ins has no data (never refreshed): reading it"
        " fails until REFRESH MATERIALIZED VIEW reporting.pm_weigh_ins runs"
    ]
    conn.execute("refresh materialized view reporting.pm_weigh_ins")
    assert db.materialized_views_without_data(conn) == []


def test_a_trigger_the_app_put_on_a_platform_table_is_compared(conn: psycopg.Connection) -> None:
    """A trigger on storage.objects that calls an app function (which `supabase db dump`, leaving
    the storage schema out, does not carry) is compared: missing on new, and disabled there, are
    named; one calling a function of the platform's own schema is the platform's and is not."""
    conn.execute(
        "create function public.pm_on_upload() returns trigger language plpgsql"
        " as $$ begin return new; end $$"
    )
    conn.execute(
        "create function storage.pm_touch() returns trigger language plpgsql"
        " as $$ begin return new; end $$"
    )
    before = db.schema_facts(conn)
    conn.execute(
        "create trigger pm_on_upload after insert on storage.objects"
        " for each row execute function public.pm_on_upload()"
    )
    conn.execute(
        "create trigger pm_platform before update on storage.objects"
        " for each row execute function storage.pm_touch()"
    )
    old = db.schema_facts(conn)
    assert "pm_platform on storage.objects" not in old["trigger"]
    assert db.schema_differences(before, old) == [
        "trigger pm_on_upload on storage.objects is missing on new"
    ]
    conn.execute("alter table storage.objects disable trigger pm_on_upload")
    assert db.schema_differences(db.schema_facts(conn), old) == [
        "trigger pm_on_upload on storage.objects is disabled on new"
    ]
