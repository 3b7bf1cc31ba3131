"""GoTrue's users: rows of `auth.users`/`auth.identities`, their JSON, passwords and metadata."""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import bcrypt
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from .auth_errors import AuthApiError, bad_request, email_exists, unprocessable

Row = dict[str, Any]

AUDIENCE = "authenticated"
DEFAULT_ROLE = "authenticated"
BCRYPT_COST = 10  # golang.org/x/crypto/bcrypt.DefaultCost, what GoTrue uses
MIN_PASSWORD_LENGTH = 6  # GOTRUE_PASSWORD_MIN_LENGTH default
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def timestamp(value: datetime | None) -> str | None:
    """A database time as GoTrue writes it in JSON (RFC 3339, UTC, `Z`)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


async def fetch_one(conn: AsyncConnection, query: Any, params: Any = None) -> Row | None:
    """One row as a dict, or None."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchone()


async def fetch_all(conn: AsyncConnection, query: Any, params: Any = None) -> list[Row]:
    """All rows as dicts."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


def parse_uuid(value: str) -> uuid.UUID | None:
    """`value` as a UUID, or None when it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


async def find_user_by_id(conn: AsyncConnection, user_id: uuid.UUID | str) -> Row | None:
    """The auth.users row with this id."""
    return await fetch_one(conn, "select * from auth.users where id = %s", (str(user_id),))


async def find_user_by_email(conn: AsyncConnection, email: str) -> Row | None:
    """The (non-SSO, not deleted) user with this email, compared case-insensitively."""
    return await fetch_one(
        conn,
        "select * from auth.users where lower(email) = lower(%s) and aud = %s"
        " and is_sso_user = false and deleted_at is null",
        (email, AUDIENCE),
    )


def format_phone(phone: str) -> str:
    """GoTrue's stored phone form: no leading `+`, no spaces."""
    return phone.strip().removeprefix("+").replace(" ", "")


async def find_user_by_phone(conn: AsyncConnection, phone: str) -> Row | None:
    """The user with this phone (stored with or without the leading `+`)."""
    digits = format_phone(phone)
    return await fetch_one(
        conn,
        "select * from auth.users where phone = any(%s) and aud = %s and deleted_at is null",
        ([digits, "+" + digits], AUDIENCE),
    )


async def load_identities(conn: AsyncConnection, user_id: uuid.UUID | str) -> list[Row]:
    """The user's rows of auth.identities, oldest first."""
    return await fetch_all(
        conn,
        "select * from auth.identities where user_id = %s order by created_at, id",
        (str(user_id),),
    )


def identity_json(identity: Row) -> dict[str, Any]:
    """An identity as GoTrue returns it (`identity_id` is the row id, `id` the provider's)."""
    body: dict[str, Any] = {
        "identity_id": str(identity["id"]),
        "id": identity["provider_id"],
        "user_id": str(identity["user_id"]),
        "identity_data": identity.get("identity_data") or {},
        "provider": identity["provider"],
        "last_sign_in_at": timestamp(identity.get("last_sign_in_at")),
        "created_at": timestamp(identity.get("created_at")),
        "updated_at": timestamp(identity.get("updated_at")),
    }
    if body["last_sign_in_at"] is None:
        del body["last_sign_in_at"]
    if identity.get("email"):
        body["email"] = identity["email"]
    return body


_OPTIONAL_TIMES = (
    ("email_confirmed_at", "email_confirmed_at"),
    ("invited_at", "invited_at"),
    ("phone_confirmed_at", "phone_confirmed_at"),
    ("confirmation_sent_at", "confirmation_sent_at"),
    ("confirmed_at", "confirmed_at"),
    ("recovery_sent_at", "recovery_sent_at"),
)


def user_json(user: Row, identities: list[Row]) -> dict[str, Any]:
    """A user as GoTrue's models.User marshals it (omitempty fields left out when unset)."""
    body: dict[str, Any] = {
        "id": str(user["id"]),
        "aud": user.get("aud") or "",
        "role": user.get("role") or "",
        "email": user.get("email") or "",
    }
    for column, key in _OPTIONAL_TIMES[:2]:
        if user.get(column) is not None:
            body[key] = timestamp(user[column])
    body["phone"] = user.get("phone") or ""
    for column, key in _OPTIONAL_TIMES[2:]:
        if user.get(column) is not None:
            body[key] = timestamp(user[column])
    if user.get("email_change"):
        body["new_email"] = user["email_change"]
    if user.get("email_change_sent_at") is not None:
        body["email_change_sent_at"] = timestamp(user["email_change_sent_at"])
    if user.get("phone_change"):
        body["new_phone"] = user["phone_change"]
    if user.get("phone_change_sent_at") is not None:
        body["phone_change_sent_at"] = timestamp(user["phone_change_sent_at"])
    if user.get("reauthentication_sent_at") is not None:
        body["reauthentication_sent_at"] = timestamp(user["reauthentication_sent_at"])
    if user.get("last_sign_in_at") is not None:
        body["last_sign_in_at"] = timestamp(user["last_sign_in_at"])
    body["app_metadata"] = user.get("raw_app_meta_data") or {}
    body["user_metadata"] = user.get("raw_user_meta_data") or {}
    body["identities"] = [identity_json(identity) for identity in identities]
    body["created_at"] = timestamp(user.get("created_at"))
    body["updated_at"] = timestamp(user.get("updated_at"))
    if user.get("banned_until") is not None:
        body["banned_until"] = timestamp(user["banned_until"])
    if user.get("deleted_at") is not None:
        body["deleted_at"] = timestamp(user["deleted_at"])
    body["is_anonymous"] = bool(user.get("is_anonymous"))
    return body


async def user_payload(conn: AsyncConnection, user: Row) -> dict[str, Any]:
    """The user's JSON with its identities, freshly read."""
    return user_json(user, await load_identities(conn, user["id"]))


def is_banned(user: Row) -> bool:
    """True while `banned_until` lies in the future."""
    until = user.get("banned_until")
    return until is not None and until > now()


def is_email_confirmed(user: Row) -> bool:
    """GoTrue's IsConfirmed: the email was confirmed."""
    return user.get("email_confirmed_at") is not None


def is_phone_confirmed(user: Row) -> bool:
    """GoTrue's IsPhoneConfirmed."""
    return user.get("phone_confirmed_at") is not None


def merge_metadata(current: dict[str, Any] | None, updates: dict[str, Any]) -> dict[str, Any]:
    """GoTrue's metadata update: set each key, and delete the keys given as null."""
    merged = dict(current or {})
    for key, value in updates.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


async def hash_password(password: str) -> str:
    """A bcrypt hash of `password` (off the event loop: bcrypt is slow on purpose)."""
    salt = bcrypt.gensalt(rounds=BCRYPT_COST)
    hashed = await asyncio.to_thread(bcrypt.hashpw, password.encode(), salt)
    return hashed.decode()


async def password_matches(user: Row, password: str) -> bool:
    """Whether `password` matches the user's bcrypt hash (False when the user has none)."""
    stored = user.get("encrypted_password") or ""
    if not stored.startswith("$2"):
        return False
    try:
        return await asyncio.to_thread(bcrypt.checkpw, password.encode(), stored.encode())
    except ValueError:
        return False


def check_password_strength(password: str) -> None:
    """GoTrue's minimum length rule: 422 `weak_password` with its reasons."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthApiError(
            422,
            "weak_password",
            f"Password should be at least {MIN_PASSWORD_LENGTH} characters.",
            weak_password={"reasons": ["length"]},
        )


def validate_email(email: Any) -> str:
    """A well-formed email, lower-cased; GoTrue's `validation_failed` otherwise."""
    if not isinstance(email, str) or not email:
        raise bad_request("validation_failed", "An email address is required")
    if len(email) > 255:
        raise bad_request("validation_failed", "An email address is too long")
    if not _EMAIL.match(email):
        raise bad_request("validation_failed", "Unable to validate email address: invalid format")
    return email.lower()


def validate_phone(phone: Any) -> str:
    """A phone number in E.164 digits (no `+`); GoTrue's `validation_failed` otherwise."""
    digits = format_phone(phone) if isinstance(phone, str) else ""
    if not re.fullmatch(r"[1-9]\d{1,14}", digits):
        raise bad_request("validation_failed", "Invalid phone number format (E.164 required)")
    return digits


def token_hash(subject: str, otp: str) -> str:
    """GoTrue's hashed token: hex SHA-224 of the email (or phone) followed by the OTP."""
    return hashlib.sha224((subject + otp).encode()).hexdigest()


async def insert_user(
    conn: AsyncConnection,
    *,
    email: str | None,
    phone: str | None,
    password: str | None,
    provider: str,
    user_metadata: dict[str, Any] | None = None,
    app_metadata: dict[str, Any] | None = None,
    role: str = DEFAULT_ROLE,
    user_id: uuid.UUID | None = None,
    **columns: Any,
) -> Row:
    """Insert a user as GoTrue's signup does, with its first identity; return the fresh row."""
    uid = user_id or uuid.uuid4()
    encrypted = await hash_password(password) if password else ""
    app = {"provider": provider, "providers": [provider], **(app_metadata or {})}
    values: dict[str, Any] = {
        "instance_id": uuid.UUID(int=0),
        "id": uid,
        "aud": AUDIENCE,
        "role": role,
        "email": email,
        "phone": phone,
        "encrypted_password": encrypted,
        "raw_app_meta_data": Jsonb(app),
        "raw_user_meta_data": Jsonb(user_metadata or {}),
        "created_at": now(),
        "updated_at": now(),
        **columns,
    }
    query = sql.SQL("insert into auth.users ({}) values ({})").format(
        sql.SQL(", ").join(sql.Identifier(name) for name in values),
        sql.SQL(", ").join(sql.Placeholder() for _ in values),
    )
    await conn.execute(query, list(values.values()))
    user = await find_user_by_id(conn, uid)
    assert user is not None
    return await insert_identity(conn, user, provider)


async def insert_email_user(
    conn: AsyncConnection,
    email: str,
    user_metadata: dict[str, Any] | None,
    password: str | None = None,
) -> Row:
    """Insert a user known by email alone, as an OTP, an invite or a generated link creates one."""
    return await insert_user(
        conn,
        email=email,
        phone=None,
        password=password,
        provider="email",
        user_metadata=user_metadata,
    )


async def insert_identity(conn: AsyncConnection, user: Row, provider: str) -> Row:
    """Add the user's identity for `provider` (GoTrue's provider claims plus signup data)."""
    identity_data: dict[str, Any] = {"sub": str(user["id"])}
    if user.get("email"):
        identity_data["email"] = user["email"]
    identity_data["email_verified"] = False
    if provider == "phone" and user.get("phone"):
        identity_data["phone"] = user["phone"]
    identity_data["phone_verified"] = False
    for key, value in (user.get("raw_user_meta_data") or {}).items():
        identity_data.setdefault(key, value)
    await conn.execute(
        "insert into auth.identities (id, provider_id, user_id, identity_data, provider,"
        " last_sign_in_at, created_at, updated_at) values (%s, %s, %s, %s, %s, now(), now(), now())",
        (uuid.uuid4(), str(user["id"]), user["id"], Jsonb(identity_data), provider),
    )
    return user


async def confirm_email(conn: AsyncConnection, user: Row) -> Row:
    """GoTrue's Confirm: email_confirmed_at now, token cleared, `email_verified` in metadata."""
    metadata = merge_metadata(user.get("raw_user_meta_data"), {"email_verified": True})
    return await update_user(
        conn,
        user["id"],
        confirmation_token="",
        email_confirmed_at=now(),
        raw_user_meta_data=Jsonb(metadata),
    )


async def update_user(conn: AsyncConnection, user_id: Any, **columns: Any) -> Row:
    """Set columns of one user (and updated_at); return the fresh row."""
    columns.setdefault("updated_at", now())
    query = sql.SQL("update auth.users set {} where id = %s").format(
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(name)) for name in columns)
    )
    await conn.execute(query, [*columns.values(), str(user_id)])
    user = await find_user_by_id(conn, user_id)
    if user is None:
        raise AuthApiError(404, "user_not_found", "User not found")
    return user


async def update_user_metadata(conn: AsyncConnection, user: Row, updates: Any) -> Row:
    """Merge `updates` into raw_user_meta_data (null deletes a key)."""
    if not isinstance(updates, dict):
        raise bad_request("validation_failed", "user_metadata must be an object")
    merged = merge_metadata(user.get("raw_user_meta_data"), updates)
    return await update_user(conn, user["id"], raw_user_meta_data=Jsonb(merged))


async def update_app_metadata(conn: AsyncConnection, user: Row, updates: Any) -> Row:
    """Merge `updates` into raw_app_meta_data (null deletes a key)."""
    if not isinstance(updates, dict):
        raise bad_request("validation_failed", "app_metadata must be an object")
    merged = merge_metadata(user.get("raw_app_meta_data"), updates)
    return await update_user(conn, user["id"], raw_app_meta_data=Jsonb(merged))


async def ensure_email_unused(conn: AsyncConnection, email: str, me: Any = None) -> None:
    """422 `email_exists` when another user already has this email."""
    other = await find_user_by_email(conn, email)
    if other is not None and str(other["id"]) != str(me):
        raise email_exists()


async def ensure_phone_unused(conn: AsyncConnection, phone: str, me: Any = None) -> None:
    """422 `phone_exists` when another user already has this phone."""
    other = await find_user_by_phone(conn, phone)
    if other is not None and str(other["id"]) != str(me):
        raise unprocessable(
            "phone_exists", "A user with this phone number has already been registered"
        )
