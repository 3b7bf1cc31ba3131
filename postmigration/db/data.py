"""Data-parity, data half: row counts and content checksums computed in the database, sequences."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import psycopg
from psycopg import sql

from .tables import relation_exists


@dataclass(frozen=True)
class TableFingerprint:
    """A table's row count and order-independent content checksum (the exact sum of its rows'
    64-bit hashes: a duplicated row counts twice, a value moved between rows shows)."""

    table: str
    rows: int
    checksum: int


def table_identifier(qualified: str) -> sql.Composable:
    """`schema.table` as a quoted SQL identifier."""
    schema, _, table = qualified.partition(".")
    return sql.Identifier(schema, table)


# Columns stamped by use rather than by the migration (a sign-in, an edit, a magic link or
# password reset in flight): they legitimately change on new after cutover, and the gate's own
# sign-ins and links change them. Compared rows leave them out.
ACTIVITY_COLUMNS = frozenset(
    {
        "updated_at",
        "last_sign_in_at",
        "last_accessed_at",
        "recovery_token",
        "recovery_sent_at",
        "confirmation_sent_at",
        "reauthentication_token",
        "reauthentication_sent_at",
    }
)


def _columns(
    conn: psycopg.Connection, table: str, ignore: frozenset[str] = frozenset()
) -> list[tuple[str, str, bool]]:
    """(name, base type, declared NOT NULL) of the table's columns in order, without the
    ignored ones."""
    rows = conn.execute(
        """
        select a.attname, coalesce(nullif(ty.typbasetype, 0), a.atttypid)::regtype::text,
               a.attnotnull
        from pg_attribute a join pg_type ty on ty.oid = a.atttypid
        where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped
        order by a.attnum
        """,
        (table,),
    ).fetchall()
    return [(name, kind, bool(required)) for name, kind, required in rows if name not in ignore]


def column_types(
    conn: psycopg.Connection, table: str, ignore: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """(name, base type) of the table's columns in order, without the ignored ones."""
    return [(name, kind) for name, kind, _ in _columns(conn, table, ignore)]


# Each value is hashed by its type's own 64-bit hash function, the one hash indexes and hash
# partitioning use (stable across servers and versions; no text rendering, so a checksum costs
# two to three count(*)s), seeded with its column: every column weighs all 64 bits wherever it
# sits in the table, and one value hashes differently in two columns, so values swapped between
# columns show. `{v}` is the value, `{s}` the column's seed. Types not listed hash their text.
_TYPE_HASH = {
    "smallint": "hashint2extended({v}, {s})",
    "integer": "hashint4extended({v}, {s})",
    # PostgreSQL folds an 8-byte value to 4 bytes before hashing; XORing the value back in
    # keeps any two bigints apart.
    "bigint": "hashint8extended({v}, {s}) # {v}",
    "uuid": "uuid_hash_extended({v}, {s})",
    "numeric": "hash_numeric_extended({v}, {s})",
    "text": "hashtextextended({v}, {s})",
    "character varying": "hashtextextended({v}, {s})",
    "character": "hashbpcharextended({v}, {s})",
    "boolean": "hashint4extended({v}::int, {s})",
    "double precision": "hashfloat8extended({v}, {s})",
    "real": "hashfloat4extended({v}, {s})",
    "jsonb": "jsonb_hash_extended({v}, {s})",
    "inet": "hashinetextended({v}, {s})",
    # A date hashes its day number, exactly; a timestamp its seconds from 2000-01-01 as a double
    # (the range types' own difference, no unit to parse: under half of date_part's cost),
    # exact to the microsecond from 1728 to 2271, to a few microseconds outside (PostgreSQL's
    # timestamp hash folds 8 bytes to 4 first, so two instants could share it).
    "date": "hashfloat8extended(daterange_subdiff({v}, '2000-01-01'), {s})",
    "timestamp with time zone": (
        "hashfloat8extended(tstzrange_subdiff({v}, '2000-01-01 00:00:00+00'), {s})"
    ),
    "timestamp without time zone": "hashfloat8extended(tsrange_subdiff({v}, '2000-01-01'), {s})",
    "interval": "interval_hash_extended({v}, {s})",
    "text[]": "hash_array_extended({v}, {s})",
}


def _seed(*words: str) -> int:
    """A signed 64-bit number drawn from `words` (stable across runs and machines)."""
    digest = hashlib.blake2b("\0".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _column_hash(name: str, kind: str, nullable: bool = True) -> sql.Composable:
    """The column's 64-bit term of a row hash; a null hashes to the column's own constant.

    A NOT NULL column skips that null test (about a tenth of the row hash's time): its
    non-null values hash the same either way, so the checksum still matches a side where the
    column is nullable."""
    template = _TYPE_HASH.get(kind, "hashtextextended(({v})::text, {s})")
    hashed = sql.SQL(template).format(
        v=sql.Identifier("t", name), s=sql.Literal(_seed("column", name))
    )
    if not nullable:
        return hashed
    return sql.SQL("coalesce({}, {})").format(hashed, sql.Literal(_seed("null", name)))


def _row_hash(
    conn: psycopg.Connection,
    table: str,
    rewrites: Sequence[tuple[str, str]] | None,
    ignore: frozenset[str] = ACTIVITY_COLUMNS,
) -> sql.Composable:
    """The per-row hash (a bigint): the columns' 64-bit terms XORed, so one changed value
    changes exactly one term.

    With `rewrites` (even empty) the row's text (its columns in the order of their names, as
    the XORed terms do not depend on the columns' order) is hashed instead, after replacing
    each old origin with the new one: tables holding full URLs compare equal once moved.
    """
    columns = _columns(conn, table, ignore)
    if rewrites is not None:
        row = sql.SQL("row({})").format(
            sql.SQL(", ").join(sql.Identifier("t", c) for c, _, _ in sorted(columns))
        )
        text: sql.Composable = sql.SQL("({})::text").format(row)
        for old, new in rewrites:
            text = sql.SQL("replace({}, {}, {})").format(text, sql.Literal(old), sql.Literal(new))
        return sql.SQL("hashtextextended({}, 0)").format(text)
    parts = [_column_hash(name, kind, not required) for name, kind, required in columns]
    return sql.SQL(" # ").join(parts) if parts else sql.SQL("0")


Rewrites = Mapping[str, Sequence[tuple[str, str]]]


def fingerprint(
    conn: psycopg.Connection,
    table: str,
    rewrites: Sequence[tuple[str, str]] | None = None,
    ignore: frozenset[str] = ACTIVITY_COLUMNS,
    where: sql.Composable | None = None,
) -> TableFingerprint:
    """Count and checksum of `table` (its rows matching `where`, on alias t) in one scan; no
    row leaves the database."""
    query = sql.SQL("select count(*), coalesce(sum({h}), 0) from {t} t where {w}").format(
        h=_row_hash(conn, table, rewrites, ignore),
        t=table_identifier(table),
        w=where or sql.SQL("true"),
    )
    count, checksum = conn.execute(query).fetchone() or (0, 0)
    return TableFingerprint(table, int(count), int(checksum))


def fingerprints(
    conn: psycopg.Connection,
    tables: list[str],
    rewrites: Rewrites | None = None,
    ignore: frozenset[str] = ACTIVITY_COLUMNS,
    where: Mapping[str, sql.Composable] | None = None,
) -> dict[str, TableFingerprint | None]:
    """Fingerprints of `tables`; None for a table that does not exist there.

    `rewrites` maps a table to the (old origin, new origin) pairs replaced before hashing; a
    table mapped to an empty list is hashed as text without replacing anything (the new side).
    Columns named in `ignore` (activity stamps) are left out of every row. `where` maps a
    table to the condition its compared rows meet (the cutover watermark); others count whole.
    """
    result: dict[str, TableFingerprint | None] = {}
    for table in tables:
        result[table] = (
            fingerprint(conn, table, (rewrites or {}).get(table), ignore, (where or {}).get(table))
            if relation_exists(conn, table)
            else None
        )
    return result


def primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    """Columns of `table`'s primary key, in order (empty when it has none)."""
    rows = conn.execute(
        """
        select a.attname from pg_index i
        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = %s::regclass and i.indisprimary
        order by array_position(i.indkey, a.attnum)
        """,
        (table,),
    ).fetchall()
    return [r[0] for r in rows]


BUCKETS = 256


def _bucket_sums(
    conn: psycopg.Connection,
    table: str,
    key: sql.Composable,
    hashed: sql.Composable,
    where: sql.Composable,
) -> dict[int, int]:
    query = sql.SQL(
        "select abs(hashtext(({key})::text)) % {n}, sum({h}) from {table} t where {w} group by 1"
    ).format(key=key, n=sql.Literal(BUCKETS), h=hashed, table=table_identifier(table), w=where)
    return {int(b): int(s) for b, s in conn.execute(query).fetchall()}


def _bucket_rows(
    conn: psycopg.Connection,
    table: str,
    key: sql.Composable,
    hashed: sql.Composable,
    bucket: int,
    where: sql.Composable,
) -> dict[str, int]:
    query = sql.SQL(
        "select ({key})::text, {h} from {table} t"
        " where abs(hashtext(({key})::text)) % {n} = {b} and {w}"
    ).format(
        w=where,
        key=key,
        n=sql.Literal(BUCKETS),
        b=sql.Literal(bucket),
        h=hashed,
        table=table_identifier(table),
    )
    return {str(k): int(h) for k, h in conn.execute(query).fetchall()}


def differing_keys(
    new: psycopg.Connection,
    old: psycopg.Connection,
    table: str,
    *,
    rewrites: Sequence[tuple[str, str]] | None = None,
    ignore: frozenset[str] = ACTIVITY_COLUMNS,
    sample: int = 5,
    where: sql.Composable | None = None,
) -> list[str]:
    """A sample of primary keys whose rows differ, found through hashed buckets (cheap).

    `rewrites` (old origin, new origin) apply to old's rows, as in `fingerprints`; only rows
    matching `where` (alias t) are compared.
    """
    condition = where or sql.SQL("true")
    columns = primary_key(old, table)
    if not columns:
        return []
    key: sql.Composable = (
        sql.Identifier(columns[0])
        if len(columns) == 1
        else sql.SQL("row({})").format(sql.SQL(", ").join(map(sql.Identifier, columns)))
    )
    new_hash = _row_hash(new, table, () if rewrites is not None else None, ignore)
    old_hash = _row_hash(old, table, rewrites, ignore)
    new_sums, old_sums = (
        _bucket_sums(new, table, key, new_hash, condition),
        _bucket_sums(old, table, key, old_hash, condition),
    )
    found: list[str] = []
    for bucket in sorted(set(new_sums) | set(old_sums)):
        if new_sums.get(bucket) == old_sums.get(bucket):
            continue
        have = _bucket_rows(new, table, key, new_hash, bucket, condition)
        want = _bucket_rows(old, table, key, old_hash, bucket, condition)
        for k in sorted(set(have) | set(want)):
            if have.get(k) != want.get(k):
                state = (
                    "missing on new"
                    if k not in have
                    else "extra on new"
                    if k not in want
                    else "changed"
                )
                found.append(f"{k} ({state})")
                if len(found) >= sample:
                    return found
    return found


def sequences_behind(conn: psycopg.Connection) -> list[str]:
    """Sequences owning a column whose next value would collide with rows already there.

    Every column's highest value is read before the sequences' positions (in one query): a
    row the app inserts meanwhile took its id from the sequence, which had moved past it by
    then (reading the sequence first named a sequence "behind" a row inserted between the two
    reads)."""
    rows = conn.execute(
        """
        select s.seqrelid, s.seqrelid::regclass::text, format('%I.%I', n.nspname, c.relname),
               a.attname
        from pg_sequence s
        join pg_depend d on d.objid = s.seqrelid and d.classid = 'pg_class'::regclass
                        and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
        join pg_class c on c.oid = d.refobjid
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum = d.refobjsubid
        where n.nspname not in ('pg_catalog', 'information_schema')
        """
    ).fetchall()
    highest: dict[int, int] = {}
    for oid, _, table, column in rows:
        query = sql.SQL("select max({}) from {}").format(sql.Identifier(column), sql.SQL(table))
        found = conn.execute(query).fetchone()
        if found and found[0] is not None:
            highest[oid] = found[0]
    positions = dict(
        conn.execute(
            "select seqrelid, coalesce(pg_sequence_last_value(seqrelid), seqstart - seqincrement)"
            " from pg_sequence where seqrelid = any(%s)",
            (list(highest),),
        ).fetchall()
    )
    problems: list[str] = []
    for oid, sequence, table, column in rows:
        top, last_value = highest.get(oid), positions.get(oid)
        if top is not None and last_value is not None and int(top) > int(last_value):
            problems.append(
                f"sequence {sequence} is behind: it would hand out {int(last_value) + 1} "
                f"but {table}.{column} already reaches {top}"
            )
    return problems


@dataclass(frozen=True)
class SequencePosition:
    """Where a sequence stands: the last value it handed out (None: none yet) and the next."""

    last: int | None
    next: int
    increment: int


def sequence_positions(
    conn: psycopg.Connection, schemas: tuple[str, ...] = ("public",)
) -> dict[str, SequencePosition]:
    """Every sequence of `schemas`, read from the sequence itself (setval's is_called included)."""
    names = conn.execute(
        """
        select format('%%I.%%I', n.nspname, c.relname), s.seqincrement
        from pg_sequence s join pg_class c on c.oid = s.seqrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = any(%s) order by 1
        """,
        (list(schemas),),
    ).fetchall()
    positions: dict[str, SequencePosition] = {}
    for name, increment in names:
        query = sql.SQL("select last_value, is_called from {}").format(sql.SQL(name))
        row = conn.execute(query).fetchone()
        assert row is not None  # a sequence relation always holds its one row
        value, called = int(row[0]), bool(row[1])
        positions[name] = SequencePosition(
            value if called else None, value + increment if called else value, int(increment)
        )
    return positions


def sequences_reusing_old_ids(
    new: dict[str, SequencePosition], old: dict[str, SequencePosition]
) -> list[str]:
    """Sequences that would hand out again an id old already handed out (new behind old), or
    that old has and new lacks. New's own writes only move it forward, so this holds while the
    gate runs."""
    problems = []
    for name, before in sorted(old.items()):
        after = new.get(name)
        if after is None:
            problems.append(f"sequence {name} is missing on new")
            continue
        if before.last is None:
            continue
        behind = after.next <= before.last if before.increment > 0 else after.next >= before.last
        if behind:
            at = (
                f"is at {after.last}"
                if after.last is not None
                else f"would hand out {after.next} first"
            )
            problems.append(f"sequence {name} {at} on new but old already handed out {before.last}")
    return problems
