"""GoTrue's email links end to end: issue a one-time token, verify it, confirm the user.

`issue_link` stores the hashed token on the user as GoTrue does (`confirmation_token` for
signup and invite, `recovery_token` for recovery and magic links, `email_change_token_new`
for an email change) and returns the link; `verify_link` finds the user by that hash,
rejects an unknown or expired one with 403 `otp_expired`, and applies its effect.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from ..settings import StackSettings
from .auth_errors import bad_request, forbidden
from .auth_mail import OTP_EXPIRY_SECONDS, AuthEmail, action_link, new_otp
from .auth_users import (
    Row,
    confirm_email,
    fetch_one,
    is_banned,
    is_email_confirmed,
    now,
    token_hash,
    update_user,
)

# Which column holds the hash, and which column says when it was sent, per link type.
_TOKEN_COLUMNS = {
    "signup": ("confirmation_token", "confirmation_sent_at"),
    "invite": ("confirmation_token", "confirmation_sent_at"),
    "recovery": ("recovery_token", "recovery_sent_at"),
    "magiclink": ("recovery_token", "recovery_sent_at"),
    "email_change": ("email_change_token_new", "email_change_sent_at"),
}
LINK_TYPES = tuple(_TOKEN_COLUMNS)


async def issue_link(
    conn: AsyncConnection,
    settings: StackSettings,
    user: Row,
    kind: str,
    redirect_to: str,
    *,
    new_email: str | None = None,
) -> tuple[Row, AuthEmail, str]:
    """Store a fresh token of `kind` on the user; return the user, the email and the hash."""
    otp = new_otp()
    token_column, sent_column = _TOKEN_COLUMNS[kind]
    subject = new_email if kind == "email_change" and new_email else user["email"]
    hashed = token_hash(subject, otp)
    changes: dict[str, Any] = {token_column: hashed, sent_column: now()}
    if kind == "invite":
        changes["invited_at"] = now()
    if kind == "email_change":
        changes["email_change"] = new_email
        changes["email_change_confirm_status"] = 0
    user = await update_user(conn, user["id"], **changes)
    link = action_link(settings, hashed, kind, redirect_to)
    return user, AuthEmail(kind=kind, to=subject, link=link, otp=otp), hashed


async def find_by_token_hash(conn: AsyncConnection, kind: str, hashed: str) -> Row:
    """The user holding this token hash for `kind`, if it has not expired."""
    if kind == "email":
        user = await fetch_one(
            conn,
            "select * from auth.users where confirmation_token = %s or recovery_token = %s",
            (hashed, hashed),
        )
        sent_column = "confirmation_sent_at"
        if user is not None and user.get("recovery_token") == hashed:
            sent_column = "recovery_sent_at"
    elif kind == "email_change":
        user = await fetch_one(
            conn,
            "select * from auth.users where email_change_token_new = %s"
            " or email_change_token_current = %s",
            (hashed, hashed),
        )
        sent_column = "email_change_sent_at"
    elif kind in _TOKEN_COLUMNS:
        token_column, sent_column = _TOKEN_COLUMNS[kind]
        user = await fetch_one(
            conn,
            f"select * from auth.users where {token_column} = %s",
            (hashed,),
        )
    else:
        raise bad_request("validation_failed", "Invalid email verification type")
    if user is None or not hashed:
        raise forbidden("otp_expired", "Email link is invalid or has expired")
    if is_banned(user):
        raise forbidden("user_banned", "User is banned")
    sent_at = user.get(sent_column)
    if sent_at is None or now() > sent_at + timedelta(seconds=OTP_EXPIRY_SECONDS):
        raise forbidden("otp_expired", "Email link is invalid or has expired")
    return user


async def apply_link(conn: AsyncConnection, user: Row, kind: str, hashed: str) -> Row:
    """What following the link does: confirm the signup/invite, consume the recovery, etc."""
    if kind == "email":
        kind = "magiclink" if user.get("recovery_token") == hashed else "signup"
    if kind in ("signup", "invite"):
        return await confirm_email(conn, user)
    if kind in ("recovery", "magiclink"):
        user = await update_user(conn, user["id"], recovery_token="", recovery_sent_at=None)
        if not is_email_confirmed(user):
            user = await confirm_email(conn, user)
        return user
    # email_change: the new address replaces the old one, and the email identity follows it.
    new_email = user.get("email_change") or user.get("email")
    user = await update_user(
        conn,
        user["id"],
        email=new_email,
        email_change="",
        email_change_token_new="",
        email_change_token_current="",
        email_change_sent_at=None,
        email_change_confirm_status=0,
        email_confirmed_at=user.get("email_confirmed_at") or now(),
    )
    identity = await fetch_one(
        conn,
        "select * from auth.identities where user_id = %s and provider = 'email'",
        (user["id"],),
    )
    if identity is not None:
        data = dict(identity.get("identity_data") or {})
        data["email"] = new_email
        await conn.execute(
            "update auth.identities set identity_data = %s, updated_at = now() where id = %s",
            (Jsonb(data), identity["id"]),
        )
    return user
