"""Seed data for the reference app: accounts, catalogue, home media, missions, weights, images.

`seed()` runs once per database: on a database whose admin account already exists it does
nothing (so `up` on an existing state dir keeps the data as it is). Everything else happens in
one transaction, after the object bytes are written under the storage root.

Media URLs are stored the way the app stores them: full public URLs as `getPublicUrl()`
returns them, built from the stack's public URL at seed time
(`{public_url}/storage/v1/object/public/<bucket>/<object>`). That is what real apps keep in
their tables, and why a move to a new origin can leave old-origin URLs behind: a migration
must rewrite them, and the suite checks they point at the target.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
INSTANCE_ID = "00000000-0000-0000-0000-000000000000"
BCRYPT_COST = 10  # GoTrue's bcrypt.DefaultCost


@dataclass(frozen=True)
class Account:
    """One seeded sign-in account."""

    role: str
    email: str
    full_name: str
    phone: str | None = None
    is_admin: bool = False


ACCOUNTS: tuple[Account, ...] = (
    Account("admin", "admin@lms.test", "Ada Admin", is_admin=True),
    Account("user", "user@lms.test", "Uma User"),
    Account("invitee", "invitee@lms.test", "Ivan Invitee", phone="+15550100003"),
)

MIME_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
    ".ogg": "audio/ogg",
}

COURSES: tuple[tuple[str, str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    (
        "Nutrition Foundations",
        "Eat well without counting every calorie.",
        "images/course-nutrition.jpg",
        (
            ("Plate basics", ("Building a balanced plate", "Protein at every meal")),
            ("Smart shopping", ("Reading food labels", "A week of groceries")),
        ),
    ),
    (
        "Strength at Home",
        "Bodyweight training three times a week.",
        "images/course-strength.jpg",
        (
            ("Getting started", ("Warm-up routine", "Squats and lunges")),
            ("Progression", ("Push-up ladder", "Core circuit")),
        ),
    ),
    (
        "Mindful Minutes",
        "Short daily practices for calm and focus.",
        "images/course-mindfulness.jpg",
        (
            ("Breathing", ("Box breathing", "The 4-7-8 breath")),
            ("Habits", ("Two-minute journaling", "Evening wind-down")),
        ),
    ),
)

HERO = ("Welcome to your training", "media/hero.webm", "media/hero-poster.jpg")

PLAYLIST: tuple[tuple[str, str, str], ...] = (
    ("Welcome: how the programme works", "media/playlist-01-welcome.webm", "video"),
    ("Five-minute warm-up", "media/playlist-02-warmup.webm", "video"),
    ("Guided breathing", "media/playlist-03-breathing.ogg", "audio"),
)

CHAT_IMAGES = ("images/chat-meal.png", "images/chat-progress.png", "images/chat-scale.png")

MISSION_QUESTIONS = (
    "What is one healthy thing you will eat today?",
    "How many glasses of water will you drink today?",
    "What time will you go to bed tonight?",
    "Which exercise will you do for ten minutes today?",
    "What is one thing you are grateful for today?",
    "How will you add a walk to your day?",
    "What will you prepare for tomorrow's lunch?",
)
MISSION_DAYS_BEFORE = 7
MISSION_DAYS_AFTER = 90  # "today" keeps a mission for three months after seeding

WEIGHT_DAYS = 30  # one measurement a day, ending yesterday, so "latest" is always a new one


@dataclass
class SeedResult:
    """What `seed()` did: whether it ran, the accounts' ids, and the objects it stored."""

    seeded: bool
    user_ids: dict[str, str] = field(default_factory=dict)
    objects: list[str] = field(default_factory=list)


def public_object_url(public_url: str, bucket: str, name: str) -> str:
    """The URL `getPublicUrl()` gives for an object of a public bucket."""
    return f"{public_url.rstrip('/')}/storage/v1/object/public/{bucket}/{name}"


def seed(
    conn: psycopg.Connection | str,
    storage_root: Path,
    accounts: Mapping[str, Mapping[str, str]],
    public_url: str,
    *,
    fixtures_dir: Path = FIXTURES,
) -> SeedResult:
    """Seed a freshly migrated database and its storage root; a no-op when already seeded.

    `conn` is a superuser connection (or DSN). `accounts` maps each role (admin, user,
    invitee) to `{"password", "email"?, "phone"?}`; email and phone default to ACCOUNTS'.
    Object bytes go to `<storage_root>/<bucket>/<object name>`. Commits on success.
    """
    resolved = _resolve_accounts(accounts)
    if isinstance(conn, str):
        with psycopg.connect(conn) as owned:
            return seed(owned, storage_root, accounts, public_url, fixtures_dir=fixtures_dir)
    admin_email = resolved[0][0].email
    if conn.execute("select 1 from auth.users where email = %s", (admin_email,)).fetchone():
        if not conn.autocommit:
            conn.rollback()
        return SeedResult(seeded=False)
    seeder = _Seeder(conn, storage_root, public_url, fixtures_dir)
    with conn.transaction():
        for account, password in resolved:
            seeder.account(account, password)
        seeder.as_admin(seeder.catalogue)
        seeder.home_media()
        seeder.missions()
        seeder.weights()
        seeder.goal_with_invite()
        seeder.chat_images()
    if not conn.autocommit:
        conn.commit()
    return SeedResult(seeded=True, user_ids=dict(seeder.ids), objects=list(seeder.objects))


def _resolve_accounts(accounts: Mapping[str, Mapping[str, str]]) -> list[tuple[Account, str]]:
    """ACCOUNTS with the given emails and phones, paired with their passwords."""
    missing = [a.role for a in ACCOUNTS if not accounts.get(a.role, {}).get("password")]
    if missing:
        raise ValueError(f"no password for seeded account(s): {', '.join(missing)}")
    resolved = []
    for account in ACCOUNTS:
        given = accounts[account.role]
        resolved.append(
            (
                replace(
                    account,
                    email=given.get("email") or account.email,
                    phone=given.get("phone") or account.phone,
                ),
                given["password"],
            )
        )
    return resolved


VOLUME_EMAIL = "load-{:05d}@lms.test"


def seed_volume(conn: psycopg.Connection, *, users: int = 1000, rows: int = 100_000) -> bool:
    """Add production-like volume after `seed()`: `users` more accounts, `rows` weigh-ins.

    The extra accounts (load-00001@lms.test...) get profiles through the auth trigger, an
    email identity, a notification and an answer to yesterday's mission; `rows` weight
    measurements are spread over them (weight_measurements is the largest table). All in SQL,
    one transaction. Returns False, doing nothing, when the volume is already there.
    """
    first = VOLUME_EMAIL.format(1)
    if conn.execute("select 1 from auth.users where email = %s", (first,)).fetchone():
        if not conn.autocommit:
            conn.rollback()
        return False
    with conn.transaction():
        # one bcrypt hash of a discarded random password: these accounts never sign in
        conn.execute(
            """
            insert into auth.users (
              instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
              raw_app_meta_data, raw_user_meta_data, created_at, updated_at
            )
            select %(instance)s, gen_random_uuid(), 'authenticated', 'authenticated',
                   'load-' || lpad(n::text, 5, '0') || '@lms.test', pw.hash, now(),
                   '{"provider": "email", "providers": ["email"]}',
                   jsonb_build_object('full_name', 'Load User ' || n),
                   now() - make_interval(days => n %% 365), now()
            from generate_series(1, %(users)s::int) as n,
                 (select extensions.crypt(encode(extensions.gen_random_bytes(12), 'hex'),
                                          extensions.gen_salt('bf', 4)) as hash) as pw
            """,
            {"instance": INSTANCE_ID, "users": users},
        )
        conn.execute(
            """
            create temporary table volume_users on commit drop as
            select row_number() over (order by email) as n, id, email
            from auth.users where email like 'load-%%@lms.test'
            """
        )
        conn.execute(
            """
            insert into auth.identities (provider_id, user_id, identity_data, provider,
                                         created_at, updated_at)
            select id::text, id, jsonb_build_object('sub', id::text, 'email', email,
                   'email_verified', false, 'phone_verified', false), 'email', now(), now()
            from volume_users
            """
        )
        conn.execute(
            """
            insert into public.weight_measurements (user_id, weight_kg, measured_at)
            select u.id, round((60 + (i %% 400) / 10.0)::numeric, 2),
                   now() - make_interval(hours => 1 + i / %(users)s::int)
            from generate_series(0, %(rows)s::int - 1) as i
            join volume_users u on u.n = 1 + i %% %(users)s::int
            """,
            {"rows": rows, "users": users},
        )
        conn.execute(
            """
            insert into public.notifications (user_id, kind, title, body)
            select id, 'welcome', 'Welcome to the programme', 'Start with today''s mission.'
            from volume_users
            """
        )
        conn.execute(
            """
            insert into public.mission_answers (mission_id, user_id, answer)
            select m.id, u.id, 'Answer from ' || u.email
            from volume_users u
            join public.daily_missions m on m.mission_date = current_date - 1
            """
        )
    if not conn.autocommit:
        conn.commit()
    return True


class _Seeder:
    """The seeding steps; each writes through one superuser connection."""

    def __init__(
        self, conn: psycopg.Connection, storage_root: Path, public_url: str, fixtures: Path
    ) -> None:
        self.conn = conn
        self.storage_root = storage_root
        self.public_url = public_url
        self.fixtures = fixtures
        self.ids: dict[str, str] = {}
        self.accounts: dict[str, Account] = {}
        self.objects: list[str] = []

    def account(self, account: Account, password: str) -> None:
        """An auth user and its email identity, as GoTrue writes them on an admin create."""
        row = self.conn.execute(
            """
            insert into auth.users (
              instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
              phone, phone_confirmed_at, raw_app_meta_data, raw_user_meta_data,
              last_sign_in_at, created_at, updated_at
            ) values (
              %(instance)s, gen_random_uuid(), 'authenticated', 'authenticated', %(email)s,
              extensions.crypt(%(password)s, extensions.gen_salt('bf', %(cost)s)), now(),
              %(phone)s, case when %(phone)s::text is null then null else now() end,
              %(app_meta)s, %(user_meta)s, null, now(), now()
            ) returning id::text
            """,
            {
                "instance": INSTANCE_ID,
                "email": account.email,
                "password": password,
                "cost": BCRYPT_COST,
                # GoTrue keeps phone numbers without the leading '+'
                "phone": account.phone.lstrip("+") if account.phone else None,
                "app_meta": Jsonb({"provider": "email", "providers": ["email"]}),
                "user_meta": Jsonb({"full_name": account.full_name}),
            },
        ).fetchone()
        assert row is not None
        user_id = row[0]
        self.ids[account.role] = user_id
        self.accounts[account.role] = account
        self.conn.execute(
            """
            insert into auth.identities (
              provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at
            ) values (%s, %s, %s, 'email', now(), now(), now())
            """,
            (
                user_id,
                user_id,
                Jsonb(
                    {
                        "sub": user_id,
                        "email": account.email,
                        "email_verified": False,
                        "phone_verified": False,
                    }
                ),
            ),
        )
        avatar_url = None
        if account.role == "user":
            avatar_url = self.store("avatars", f"{user_id}/avatar.png", "avatar.png", user_id)
        self.conn.execute(
            "update public.profiles set is_admin = %s, avatar_url = %s where id = %s",
            (account.is_admin, avatar_url, user_id),
        )

    def as_admin(self, step: Callable[[], None]) -> None:
        """Run a step with the admin's JWT claims set, so triggers see a signed-in admin."""
        claims = json.dumps({"sub": self.ids["admin"], "role": "authenticated"})
        self.conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        try:
            step()
        finally:
            self.conn.execute("select set_config('request.jwt.claims', '', true)")

    def catalogue(self) -> None:
        """Courses with thumbnails, two modules each, two lessons per module."""
        lesson_media = [self.public("media", _media_name(path)) for _, path, _ in PLAYLIST[:2]]
        for title, description, thumbnail, modules in COURSES:
            # the app uploads the thumbnail first, then inserts the course with its URL
            course_id = str(uuid.uuid4())
            url = self.store(
                "course-thumbnails", f"{course_id}/cover.jpg", thumbnail, self.ids["admin"]
            )
            self.conn.execute(
                "insert into public.courses (id, title, description, thumbnail_url)"
                " values (%s, %s, %s, %s)",
                (course_id, title, description, url),
            )
            for m_pos, (module_title, lessons) in enumerate(modules, start=1):
                module_id = self.scalar(
                    "insert into public.course_modules (course_id, title, position)"
                    " values (%s, %s, %s) returning id",
                    (course_id, module_title, m_pos),
                )
                for l_pos, lesson_title in enumerate(lessons, start=1):
                    self.conn.execute(
                        "insert into public.lessons"
                        " (module_id, title, content, video_url, position)"
                        " values (%s, %s, %s, %s, %s)",
                        (
                            module_id,
                            lesson_title,
                            f"{lesson_title}: notes for the {title} course.",
                            lesson_media[(m_pos + l_pos) % 2] if l_pos == 1 else None,
                            l_pos,
                        ),
                    )

    def home_media(self) -> None:
        """The active hero video with its poster, and the playlist, their files in `media`."""
        admin = self.ids["admin"]
        title, video, poster = HERO
        self.conn.execute(
            "insert into public.hero_videos (title, video_url, poster_url, is_active)"
            " values (%s, %s, %s, true)",
            (
                title,
                self.store("media", _media_name(video), video, admin),
                self.store("media", _media_name(poster), poster, admin),
            ),
        )
        for position, (item_title, path, media_type) in enumerate(PLAYLIST, start=1):
            self.conn.execute(
                "insert into public.playlist_items (title, media_url, media_type, position)"
                " values (%s, %s, %s, %s)",
                (
                    item_title,
                    self.store("media", _media_name(path), path, admin),
                    media_type,
                    position,
                ),
            )

    def missions(self) -> None:
        """A question for every day from a week ago to three months ahead; a few answers."""
        self.conn.execute(
            """
            insert into public.daily_missions (mission_date, question)
            select current_date + d, (%s::text[])[1 + ((d + %s) %% %s)]
            from generate_series(-%s::int, %s::int) as d
            """,
            (
                list(MISSION_QUESTIONS),
                MISSION_DAYS_BEFORE,
                len(MISSION_QUESTIONS),
                MISSION_DAYS_BEFORE,
                MISSION_DAYS_AFTER,
            ),
        )
        # the user answered the last three days, not today: answering today is the user's test
        self.conn.execute(
            """
            insert into public.mission_answers (mission_id, user_id, answer, created_at, updated_at)
            select m.id, %s, 'Done: ' || m.question, m.mission_date + time '20:00',
                   m.mission_date + time '20:00'
            from public.daily_missions m
            where m.mission_date between current_date - 3 and current_date - 1
            """,
            (self.ids["user"],),
        )

    def weights(self) -> None:
        """Thirty daily weigh-ins for the user, ending yesterday morning, trending down."""
        self.conn.execute(
            """
            insert into public.weight_measurements (user_id, weight_kg, measured_at)
            select %s,
                   round((82.4 - (%s::int - d) * 0.08 + ((d * 7) %% 5 - 2) * 0.15)::numeric, 2),
                   date_trunc('day', now()) - make_interval(days => d) + time '07:30'
            from generate_series(%s::int, 1, -1) as d
            """,
            (self.ids["user"], WEIGHT_DAYS, WEIGHT_DAYS),
        )

    def goal_with_invite(self) -> None:
        """A goal of the user's, an accepted invite to the invitee, and its in-app card."""
        invitee = self.accounts["invitee"]
        goal_id = self.scalar(
            "insert into public.goals (owner_id, title, description, target_date)"
            " values (%s, 'Walk 8,000 steps a day', 'Together, every day this month.',"
            " current_date + 60) returning id",
            (self.ids["user"],),
        )
        invite_id = self.scalar(
            """
            insert into public.goal_invites (goal_id, inviter_id, invitee_email, invitee_phone,
                                             status, sent_at, responded_at)
            values (%s, %s, %s, %s, 'accepted', now() - interval '2 days', now() - interval '1 day')
            returning id
            """,
            (goal_id, self.ids["user"], invitee.email, invitee.phone),
        )
        self.conn.execute(
            """
            insert into public.notifications (user_id, kind, title, body, data, read_at, created_at)
            values (%s, 'goal_invite', 'Uma User invited you to a goal', 'Walk 8,000 steps a day',
                    %s, now() - interval '1 day', now() - interval '2 days')
            """,
            (self.ids["invitee"], Jsonb({"goal_id": goal_id, "invite_id": invite_id})),
        )

    def chat_images(self) -> None:
        """A few private images under the user's own folder of `chat-images`."""
        user_id = self.ids["user"]
        for path in CHAT_IMAGES:
            self.store("chat-images", f"{user_id}/{Path(path).name}", path, user_id)

    def scalar(self, sql: str, params: tuple[object, ...]) -> str:
        """The first column of the one row a statement returns, as text."""
        row = self.conn.execute(sql, params).fetchone()
        assert row is not None
        return str(row[0])

    def public(self, bucket: str, name: str) -> str:
        """The public URL of an object."""
        return public_object_url(self.public_url, bucket, name)

    def store(self, bucket: str, name: str, fixture: str, owner: str) -> str:
        """Write a fixture's bytes and its `storage.objects` row; return its public URL."""
        data = (self.fixtures / fixture).read_bytes()
        target = self.storage_root / bucket / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        now = datetime.now(UTC)
        metadata = {
            "eTag": f'"{hashlib.md5(data).hexdigest()}"',
            "size": len(data),
            "mimetype": MIME_TYPES[Path(fixture).suffix.lower()],
            "cacheControl": "max-age=3600",
            "lastModified": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "contentLength": len(data),
            "httpStatusCode": 200,
        }
        self.conn.execute(
            """
            insert into storage.objects (bucket_id, name, owner, owner_id, metadata, version)
            values (%s, %s, %s, %s, %s, gen_random_uuid()::text)
            """,
            (bucket, name, owner, owner, Jsonb(metadata)),
        )
        self.objects.append(f"{bucket}/{name}")
        return self.public(bucket, name)


def _media_name(fixture: str) -> str:
    """Where a media fixture lives in the `media` bucket."""
    name = Path(fixture).name
    if name.startswith("hero"):
        return f"hero/{name}"
    return f"playlist/{name.removeprefix('playlist-')}"
