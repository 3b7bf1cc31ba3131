"""GoTrue's sessions: access tokens, `auth.sessions`, rotating `auth.refresh_tokens`, bearers.

A sign-in creates a session row, its first refresh token and an AMR claim; the access token
carries Supabase's claims and the session id. Refreshing revokes the presented token and
issues its child. A revoked token presented again is answered with the active child when it
is that child's parent (the client lost the response), allowed within the reuse interval,
and otherwise rejected as `refresh_token_already_used` after revoking the whole family.
"""

from __future__ import annotations

import ipaddress
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection
from starlette.requests import Request

from ..keys import InvalidToken
from ..settings import StackSettings
from .auth_config import auth_settings
from .auth_errors import AuthApiError, OAuthError, bad_request, forbidden
from .auth_hooks import access_token_hook, customized_claims
from .auth_users import (
    Row,
    fetch_all,
    fetch_one,
    find_user_by_id,
    is_banned,
    now,
    parse_uuid,
    update_user,
    user_payload,
)
from .db import Database, as_admin

REFRESH_TOKEN_REUSE_INTERVAL = 10  # GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL default (s)
ADMIN_ROLES = ("service_role", "supabase_admin")  # GOTRUE_JWT_ADMIN_ROLES default
_REFRESH_ALPHABET = string.ascii_lowercase + string.digits
_NIL_UUID = str(uuid.UUID(int=0))


def issuer(settings: StackSettings) -> str:
    """The `iss` of access tokens: the public auth URL, as on a hosted project."""
    return settings.public_url.rstrip("/") + "/auth/v1"


def new_refresh_token() -> str:
    """A fresh opaque refresh token (GoTrue's 12 random alphanumerics)."""
    return "".join(secrets.choice(_REFRESH_ALPHABET) for _ in range(12))


async def amr_of(conn: AsyncConnection, session_id: Any) -> list[dict[str, Any]]:
    """The session's authentication methods, as the `amr` claim lists them."""
    rows = await fetch_all(
        conn,
        "select authentication_method, updated_at from auth.mfa_amr_claims"
        " where session_id = %s order by updated_at desc",
        (str(session_id),),
    )
    return [
        {"method": row["authentication_method"], "timestamp": int(row["updated_at"].timestamp())}
        for row in rows
    ]


async def access_token(
    conn: AsyncConnection, settings: StackSettings, user: Row, session_id: Any
) -> tuple[str, int]:
    """A signed access token for the user's session, and its `exp` (the project's `jwt_exp`
    seconds from now); its claims go through the access token hook when one is enabled."""
    config = auth_settings(settings)
    issued = int(now().timestamp())
    expires = issued + int(config["jwt_exp"])
    claims = {
        "aud": user.get("aud") or "authenticated",
        "exp": expires,
        "iat": issued,
        "iss": issuer(settings),
        "sub": str(user["id"]),
        "email": user.get("email") or "",
        "phone": user.get("phone") or "",
        "app_metadata": user.get("raw_app_meta_data") or {},
        "user_metadata": user.get("raw_user_meta_data") or {},
        "role": user.get("role") or "authenticated",
        "aal": "aal1",
        "amr": await amr_of(conn, session_id),
        "session_id": str(session_id),
        "is_anonymous": bool(user.get("is_anonymous")),
    }
    hook = access_token_hook(config)
    if hook is not None:
        method = claims["amr"][0]["method"] if claims["amr"] else "password"
        claims = await customized_claims(conn, hook, str(user["id"]), claims, method)
    return settings.tokens.mint_session(claims), expires


async def token_response(
    conn: AsyncConnection, settings: StackSettings, user: Row, session_id: Any, refresh: str
) -> dict[str, Any]:
    """GoTrue's AccessTokenResponse for this session and refresh token."""
    token, expires_at = await access_token(conn, settings, user, session_id)
    return {
        "access_token": token,
        "token_type": "bearer",
        "expires_in": max(0, expires_at - int(now().timestamp())),
        "expires_at": expires_at,
        "refresh_token": refresh,
        "user": await user_payload(conn, user),
    }


def _client_ip(request: Request) -> str | None:
    """The caller's address for auth.sessions.ip (first X-Forwarded-For hop when valid)."""
    forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
    for candidate in (forwarded, request.client.host if request.client else ""):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


async def issue_session(
    conn: AsyncConnection, settings: StackSettings, request: Request, user: Row, method: str
) -> dict[str, Any]:
    """Sign the user in: a new session, its first refresh token, an AMR claim, the tokens."""
    session_id = uuid.uuid4()
    await conn.execute(
        "insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)"
        " values (%s, %s, now(), now(), 'aal1', %s, %s::inet)",
        (session_id, user["id"], request.headers.get("user-agent"), _client_ip(request)),
    )
    refresh = new_refresh_token()
    await conn.execute(
        "insert into auth.refresh_tokens (instance_id, token, user_id, parent, session_id,"
        " revoked, created_at, updated_at) values (%s, %s, %s, null, %s, false, now(), now())",
        (uuid.UUID(int=0), refresh, str(user["id"]), session_id),
    )
    await conn.execute(
        "insert into auth.mfa_amr_claims (id, session_id, created_at, updated_at,"
        " authentication_method) values (%s, %s, now(), now(), %s)"
        " on conflict (session_id, authentication_method) do update set updated_at = now()",
        (uuid.uuid4(), session_id, method),
    )
    user = await update_user(conn, user["id"], last_sign_in_at=now())
    return await token_response(conn, settings, user, session_id, refresh)


async def refresh_grant(
    db: Database, settings: StackSettings, refresh_token: Any
) -> dict[str, Any]:
    """The refresh_token grant: rotate the token and return a new access token."""
    if not isinstance(refresh_token, str) or not refresh_token:
        raise OAuthError("invalid_request", "refresh_token required")
    rejection: AuthApiError | None = None
    async with as_admin(db) as conn:
        token = await fetch_one(
            conn, "select * from auth.refresh_tokens where token = %s for update", (refresh_token,)
        )
        if token is None:
            raise bad_request(
                "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
            )
        user = await find_user_by_id(conn, token["user_id"])
        if user is None:
            raise bad_request(
                "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
            )
        if is_banned(user):
            raise bad_request("user_banned", "Invalid Refresh Token: User Banned")
        session = None
        if token["session_id"] is not None:
            session = await fetch_one(
                conn, "select * from auth.sessions where id = %s for update", (token["session_id"],)
            )
        if session is None:
            raise bad_request("session_not_found", "Invalid Refresh Token: No Valid Session Found")
        if session.get("not_after") is not None and session["not_after"] <= now():
            raise bad_request("session_expired", "Invalid Refresh Token: Session Expired")

        issued: str | None = None
        if token["revoked"]:
            active = await fetch_one(
                conn,
                "select * from auth.refresh_tokens where session_id = %s and revoked = false"
                " order by id desc limit 1",
                (session["id"],),
            )
            if active is not None and active["parent"] == token["token"]:
                issued = active["token"]  # the client never stored the last rotation
            elif now() > token["updated_at"] + timedelta(seconds=REFRESH_TOKEN_REUSE_INTERVAL):
                await conn.execute(
                    "update auth.refresh_tokens set revoked = true, updated_at = now()"
                    " where session_id = %s and revoked = false",
                    (session["id"],),
                )
                rejection = bad_request(
                    "refresh_token_already_used", "Invalid Refresh Token: Already Used"
                )
        if rejection is None:
            if issued is None:
                await conn.execute(
                    "update auth.refresh_tokens set revoked = true, updated_at = now()"
                    " where id = %s",
                    (token["id"],),
                )
                issued = new_refresh_token()
                await conn.execute(
                    "insert into auth.refresh_tokens (instance_id, token, user_id, parent,"
                    " session_id, revoked, created_at, updated_at)"
                    " values (%s, %s, %s, %s, %s, false, now(), now())",
                    (uuid.UUID(int=0), issued, str(user["id"]), token["token"], session["id"]),
                )
            await conn.execute(
                "update auth.sessions set refreshed_at = now() at time zone 'utc',"
                " updated_at = now() where id = %s",
                (session["id"],),
            )
            user = await update_user(conn, user["id"], last_sign_in_at=now())
            return await token_response(conn, settings, user, session["id"], issued)
    # The family's revocation is committed before the caller hears about the reuse.
    assert rejection is not None
    raise rejection


@dataclass(frozen=True)
class Caller:
    """Who a bearer token speaks for: its claims, and the user and session it names."""

    claims: dict[str, Any]
    user: Row | None
    session: Row | None

    @property
    def is_admin(self) -> bool:
        """Whether the token's role is one of GoTrue's admin roles."""
        return self.claims.get("role") in ADMIN_ROLES


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme not in ("Bearer", "bearer") or not token or " " in token.strip():
        raise AuthApiError(401, "no_authorization", "This endpoint requires a valid Bearer token")
    return token.strip()


def _claims(request: Request, settings: StackSettings) -> dict[str, Any]:
    token = _bearer(request)
    try:
        return settings.tokens.decode(token)
    except InvalidToken as exc:
        reason = {
            "expired": "token has invalid claims: token is expired",
            "bad signature": "token signature is invalid: signature is invalid",
        }.get(exc.reason, "token is malformed")
        raise forbidden(
            "bad_jwt", f"invalid JWT: unable to parse or verify signature, {reason}"
        ) from exc


async def _load_user_and_session(conn: AsyncConnection, claims: dict[str, Any]) -> Caller:
    subject = claims.get("sub")
    if not subject:
        raise forbidden("bad_jwt", "invalid claim: missing sub claim")
    user_id = parse_uuid(str(subject))
    if user_id is None:
        raise bad_request("bad_jwt", "invalid claim: sub claim must be a UUID")
    user = await find_user_by_id(conn, user_id)
    if user is None:
        raise forbidden("user_not_found", "User from sub claim in JWT does not exist")
    session = None
    session_claim = claims.get("session_id")
    if session_claim and session_claim != _NIL_UUID:
        session_id = parse_uuid(str(session_claim))
        if session_id is None:
            raise forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID")
        session = await fetch_one(conn, "select * from auth.sessions where id = %s", (session_id,))
        if session is None:
            raise forbidden(
                "session_not_found", "Session from session_id claim in JWT does not exist"
            )
    return Caller(claims, user, session)


async def authenticate(conn: AsyncConnection, request: Request, settings: StackSettings) -> Caller:
    """GoTrue's requireAuthentication: a valid bearer naming an existing user and session."""
    caller = await _load_user_and_session(conn, _claims(request, settings))
    if caller.user is not None and is_banned(caller.user):
        raise forbidden("user_banned", "User is banned")
    return caller


async def authenticate_admin(
    conn: AsyncConnection, request: Request, settings: StackSettings
) -> Caller:
    """GoTrue's requireAdminCredentials: a valid bearer whose role is an admin role."""
    claims = _claims(request, settings)
    caller = Caller(claims, None, None)
    session_claim = claims.get("session_id")
    if session_claim and session_claim != _NIL_UUID:
        caller = await _load_user_and_session(conn, claims)
    if not caller.is_admin:
        raise forbidden("not_admin", "User not allowed")
    return caller


async def logout(conn: AsyncConnection, caller: Caller, scope: str) -> None:
    """End sessions: `local` this one, `others` all but this one, `global` all of the user's."""
    assert caller.user is not None
    user_id = caller.user["id"]
    session = caller.session
    if session is not None and scope == "local":
        await conn.execute("delete from auth.sessions where id = %s", (session["id"],))
        return
    if session is not None and scope == "others":
        await conn.execute(
            "delete from auth.sessions where user_id = %s and id <> %s", (user_id, session["id"])
        )
        return
    await conn.execute("delete from auth.refresh_tokens where user_id = %s", (str(user_id),))
    await conn.execute("delete from auth.sessions where user_id = %s", (user_id,))


async def logout_all_except(conn: AsyncConnection, user_id: Any, session_id: Any | None) -> None:
    """End every session of the user but `session_id` (all of them when None)."""
    if session_id is None:
        await conn.execute("delete from auth.refresh_tokens where user_id = %s", (str(user_id),))
        await conn.execute("delete from auth.sessions where user_id = %s", (user_id,))
    else:
        await conn.execute(
            "delete from auth.sessions where user_id = %s and id <> %s", (user_id, session_id)
        )
