"""Grow old to a realistic volume: many users, a large table, and enough storage objects.

Everything is set-based SQL on old's database (generate_series), so 100,000 rows take
seconds: the seed's `seed_volume()` for accounts and weigh-ins (one shared cheap bcrypt
hash for the bulk accounts), then goals with invites. Object bytes are small distinct PNGs
written under old's storage root, with their `storage.objects` rows, as Storage keeps them;
`--objects N` adds N more to the media bucket the same way (rows by COPY, a folder per 1,000).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from reference.stack.seed import VOLUME_EMAIL, seed_volume

CHAT_USERS = 150  # one image each: the bucket's root lists more than 100 folders
CHAT_IMAGES_OF_ONE_USER = 105  # and one folder holds more than 100 objects
AVATAR_USERS = 150
BULK_BUCKET = "media"  # where --objects puts its objects (public: any client may read them)
BULK_PER_FOLDER = 1000
# What one bulk object costs on disk, old and new together: two files of one block each (the
# sync copies it), two storage.objects rows with their index entries, dump and WAL.
BULK_BYTES_EACH = 2 * 4096 + 4 * 1024


@dataclass(frozen=True)
class Volume:
    """Old after `grow()`: totals of users and of the largest tables, and what grow added."""

    users: int
    weight_rows: int
    goals: int
    invites: int
    notifications: int
    mission_answers: int
    objects: int

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"{self.users} users, {self.weight_rows} weight_measurements rows, {self.goals} goals,"
            f" {self.invites} invites, {self.notifications} notifications,"
            f" {self.mission_answers} mission answers, {self.objects} storage objects"
        )


def tiny_png(seed: int, label: str) -> bytes:
    """A valid 8x8 PNG whose colour follows `seed` and whose tEXt chunk makes it unique."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rgb = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = b"".join(b"\x00" + rgb * 8 for _ in range(8))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + label.encode())
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def disk_problem(state_dir: Path, objects: int) -> str | None:
    """Why `objects` bulk objects would not fit on the state dir's disk (space or inodes), in
    one line; None when they fit."""
    if objects <= 0:
        return None
    where = state_dir if state_dir.exists() else state_dir.parent
    while not where.exists():
        where = where.parent
    stat = os.statvfs(where)
    free, inodes = stat.f_bavail * stat.f_frsize, stat.f_favail
    needed, files = objects * BULK_BYTES_EACH, 2 * objects + 2 * (objects // BULK_PER_FOLDER + 1)
    if needed > free:
        return (
            f"--objects {objects:,} needs about {needed / 2**30:.1f} GiB on {where} "
            f"(old and new), but {free / 2**30:.1f} GiB is free"
        )
    if stat.f_files and files > inodes:
        return f"--objects {objects:,} needs {files:,} files on {where}, but {inodes:,} are free"
    return None


def grow(
    conn: psycopg.Connection,
    storage_root: Path,
    public_url: str,
    users: int,
    rows: int,
    objects: int = 0,
) -> Volume:
    """Bring old to volume: `users` more accounts and weight_measurements at `rows` rows
    (the seed's `seed_volume`: profiles by the trigger, identities, a notification and an
    answer each), then goals with invites between them, storage objects in two buckets and
    `objects` more in the media bucket. `conn` is a superuser connection to old (autocommit)."""
    existing = _scalar(conn, "select count(*) from public.weight_measurements")
    if not seed_volume(conn, users=users, rows=max(rows - existing, 0)):
        raise ValueError("old already holds the volume accounts: start from a fresh state dir")
    with conn.transaction():
        conn.execute(
            """
            create temporary table bulk on commit drop as
            select id, email, (row_number() over (order by email) - 1)::int as i
            from auth.users where email like %s
            """,
            (VOLUME_EMAIL.replace("{:05d}", "%"),),
        )
        goals = _count(
            conn,
            """
            insert into public.goals (owner_id, title, description, target_date, created_at)
            select id, 'Goal #' || i, 'Keep going: week ' || (i %% 52), current_date + (i %% 120),
                   now() - make_interval(days => i %% 60)
            from bulk where i %% 2 = 0
            """,
        )
        invites = _count(
            conn,
            """
            insert into public.goal_invites (goal_id, inviter_id, invitee_email, status, sent_at,
                                             responded_at, created_at)
            select g.id, g.owner_id, friend.email,
                   (array['pending', 'sent', 'accepted', 'declined'])[1 + b.i %% 4],
                   case when b.i %% 4 > 0 then g.created_at + interval '1 minute' end,
                   case when b.i %% 4 > 1 then g.created_at + interval '1 day' end,
                   g.created_at
            from public.goals g
            join bulk b on b.id = g.owner_id
            join bulk friend on friend.i = (b.i + 1) %% %s
            """,
            (users,),
        )
        added = _objects(conn, storage_root, public_url)
        added += _bulk_objects(conn, storage_root, objects)
    counts = conn.execute(
        "select (select count(*) from auth.users), (select count(*) from"
        " public.weight_measurements), (select count(*) from public.notifications),"
        " (select count(*) from public.mission_answers)"
    ).fetchone()
    assert counts is not None
    return Volume(counts[0], counts[1], goals, invites, counts[2], counts[3], added)


def _scalar(conn: psycopg.Connection, sql: str) -> int:
    row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _count(conn: psycopg.Connection, sql: str, params: tuple[object, ...] = ()) -> int:
    return conn.execute(sql, params).rowcount


def bulk_bytes(n: int) -> bytes:
    """The bytes of bulk object `n`: a small distinct text file."""
    return f"bulk object {n}\n".encode()


def _metadata(data: bytes, mimetype: str, stamp: str) -> str:
    """storage.objects' metadata for `data` as Storage records an upload (its eTag the md5 of
    the bytes), as JSON."""
    return json.dumps(
        {
            "eTag": f'"{hashlib.md5(data).hexdigest()}"',
            "size": len(data),
            "mimetype": mimetype,
            "cacheControl": "max-age=3600",
            "lastModified": stamp,
            "contentLength": len(data),
            "httpStatusCode": 200,
        }
    )


def _bulk_objects(conn: psycopg.Connection, storage_root: Path, count: int) -> int:
    """`count` small objects in the media bucket, bulk/<folder>/<n>.txt: files written, rows
    copied in one COPY (their eTag the md5 of their bytes, as Storage records it)."""
    if count <= 0:
        return 0
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with conn.cursor().copy(
        "copy storage.objects (bucket_id, name, metadata, version) from stdin"
    ) as copy:
        for n in range(count):
            name = f"bulk/{n // BULK_PER_FOLDER:05d}/{n:07d}.txt"
            data = bulk_bytes(n)
            target = storage_root / BULK_BUCKET / name
            if n % BULK_PER_FOLDER == 0:
                target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            metadata = _metadata(data, "text/plain", stamp)
            copy.write_row((BULK_BUCKET, name, metadata, secrets.token_hex(16)))
    return count


def _objects(conn: psycopg.Connection, storage_root: Path, public_url: str) -> int:
    """Chat images across users (and >100 in one folder), avatars; bytes and rows."""
    chat_users = [r[0] for r in conn.execute(
        "select id::text from bulk order by i limit %s", (CHAT_USERS,)
    )]  # fmt: skip
    avatar_users = [r[0] for r in conn.execute(
        "select id::text from bulk order by i desc limit %s", (AVATAR_USERS,)
    )]  # fmt: skip
    user_row = conn.execute(
        "select id::text from auth.users where email = 'user@lms.test'"
    ).fetchone()
    planned: list[tuple[str, str, str]] = [
        ("chat-images", f"{uid}/photo-{n + 1:03d}.png", uid) for n, uid in enumerate(chat_users)
    ]
    if user_row is not None:
        planned += [
            ("chat-images", f"{user_row[0]}/day-{n:03d}.png", user_row[0])
            for n in range(1, CHAT_IMAGES_OF_ONE_USER + 1)
        ]
    planned += [("avatars", f"{uid}/avatar.png", uid) for uid in avatar_users]
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    with conn.cursor().copy(
        "copy storage.objects (bucket_id, name, owner, owner_id, metadata, version) from stdin"
    ) as copy:
        for n, (bucket, name, owner) in enumerate(planned):
            data = tiny_png(n, f"{bucket}/{name}")
            target = storage_root / bucket / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            metadata = _metadata(data, "image/png", stamp)
            copy.write_row((bucket, name, owner, owner, metadata, secrets.token_hex(16)))
    conn.execute(
        "update public.profiles set avatar_url = %s || '/storage/v1/object/public/avatars/'"
        " || id::text || '/avatar.png' where id = any(%s::uuid[])",
        (public_url.rstrip("/"), avatar_users),
    )
    return len(planned)
