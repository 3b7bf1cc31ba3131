"""GoTrue's admin API: users (create, list, get, update, delete), invites, generate_link.

Every route needs a JWT whose role is an admin role (`service_role`, `supabase_admin`);
anything else is 403 `not_admin`.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..settings import StackSettings
from .auth_errors import bad_request, email_exists, json_body, not_found, unprocessable
from .auth_links import issue_link
from .auth_mail import redirect_allowed, referrer, send
from .auth_sessions import authenticate_admin, logout_all_except
from .auth_users import (
    AUDIENCE,
    Row,
    check_password_strength,
    ensure_email_unused,
    ensure_phone_unused,
    fetch_all,
    fetch_one,
    find_user_by_email,
    find_user_by_id,
    hash_password,
    insert_email_user,
    insert_user,
    is_email_confirmed,
    merge_metadata,
    now,
    parse_uuid,
    update_user,
    user_json,
    user_payload,
    validate_email,
    validate_phone,
)
from .db import as_admin, database

DEFAULT_PER_PAGE = 50
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def parse_ban_duration(value: str) -> timedelta:
    """A Go duration string (`24h`, `1h30m`, `876000h`) as a timedelta."""
    text = value.strip()
    position, seconds = 0, 0.0
    while position < len(text):
        match = _DURATION_PART.match(text, position)
        if match is None:
            break
        seconds += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if not text or position != len(text):
        raise bad_request(
            "validation_failed",
            f'invalid format for ban duration: time: invalid duration "{value}"',
        )
    return timedelta(seconds=seconds)


def _ban_columns(body: dict[str, Any]) -> dict[str, Any]:
    duration = body.get("ban_duration")
    if not isinstance(duration, str) or not duration:
        return {}
    if duration == "none":
        return {"banned_until": None}
    return {"banned_until": now() + parse_ban_duration(duration)}


def _dict_or_none(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request(
            "bad_json", f"Could not parse request body as JSON: {key} must be an object"
        )
    return value


async def _load_target(conn: AsyncConnection, raw_id: str) -> Row:
    user_id = parse_uuid(raw_id)
    if user_id is None:
        raise not_found("validation_failed", "user_id must be an UUID")
    user = await find_user_by_id(conn, user_id)
    if user is None:
        raise not_found("user_not_found", "User not found")
    return user


async def _password_columns(body: dict[str, Any]) -> dict[str, Any]:
    password = body.get("password")
    if isinstance(password, str) and password:
        check_password_strength(password)
        return {"encrypted_password": await hash_password(password)}
    password_hash = body.get("password_hash")
    if isinstance(password_hash, str) and password_hash:
        if not password_hash.startswith(("$2a$", "$2b$", "$2y$")):
            raise bad_request("validation_failed", "Invalid password hash format")
        return {"encrypted_password": password_hash}
    return {}


def routes(settings: StackSettings) -> list[BaseRoute]:
    """The admin routes and /invite, relative to /auth/v1."""

    async def create_user(request: Request) -> Response:
        body = await json_body(request)
        async with as_admin(database(request)) as conn:
            await authenticate_admin(conn, request, settings)
            email = body.get("email") or ""
            phone = body.get("phone") or ""
            if not email and not phone:
                raise bad_request(
                    "validation_failed", "Cannot create a user without either an email or phone"
                )
            if email:
                email = validate_email(email)
                await ensure_email_unused(conn, email)
            if phone:
                phone = validate_phone(phone)
                await ensure_phone_unused(conn, phone)
            columns = await _password_columns(body)
            columns.update(_ban_columns(body))
            if body.get("email_confirm") is True and email:
                columns["email_confirmed_at"] = now()
            if body.get("phone_confirm") is True and phone:
                columns["phone_confirmed_at"] = now()
            custom_id = parse_uuid(body["id"]) if body.get("id") else None
            if body.get("id") and custom_id is None:
                raise bad_request("validation_failed", "ID must conform to the uuid v4 format")
            providers = [p for p, present in (("email", email), ("phone", phone)) if present]
            app_metadata = merge_metadata(
                {"provider": providers[0], "providers": providers},
                _dict_or_none(body, "app_metadata") or {},
            )
            role = body.get("role") if isinstance(body.get("role"), str) and body["role"] else None
            user = await insert_user(
                conn,
                email=email or None,
                phone=phone or None,
                password=None,
                provider=providers[0],
                user_metadata=_dict_or_none(body, "user_metadata") or {},
                app_metadata=app_metadata,
                role=role or "authenticated",
                user_id=custom_id,
                **columns,
            )
            if phone and email:
                user_row = await find_user_by_id(conn, user["id"])
                assert user_row is not None
                user = user_row
            return JSONResponse(await user_payload(conn, user))

    async def list_users(request: Request) -> Response:
        try:
            page = int(request.query_params.get("page") or 1)
            per_page = int(request.query_params.get("per_page") or DEFAULT_PER_PAGE)
            if page < 0 or per_page < 0:
                raise ValueError("negative")
        except ValueError as exc:
            raise bad_request("validation_failed", f"Bad Pagination Parameters: {exc}") from exc
        page = max(page, 1)
        text_filter = request.query_params.get("filter", "")
        async with as_admin(database(request)) as conn:
            await authenticate_admin(conn, request, settings)
            where = "aud = %(aud)s"
            params: dict[str, Any] = {"aud": AUDIENCE}
            if text_filter:
                where += (
                    " and (email like %(like)s or raw_user_meta_data->>'full_name' ilike %(like)s)"
                )
                params["like"] = f"%{text_filter}%"
            counted = await fetch_one(
                conn, f"select count(*) as n from auth.users where {where}", params
            )
            total = int(counted["n"]) if counted else 0
            params.update(limit=per_page, offset=(page - 1) * per_page)
            users = await fetch_all(
                conn,
                f"select * from auth.users where {where} order by created_at desc, id"
                " limit %(limit)s offset %(offset)s",
                params,
            )
            identities = await fetch_all(
                conn,
                "select * from auth.identities where user_id = any(%s) order by created_at, id",
                ([u["id"] for u in users],),
            )
        by_user: dict[str, list[Row]] = {}
        for identity in identities:
            by_user.setdefault(str(identity["user_id"]), []).append(identity)
        body = {
            "users": [user_json(u, by_user.get(str(u["id"]), [])) for u in users],
            "aud": AUDIENCE,
        }
        return JSONResponse(body, headers=_pagination_headers(request, page, per_page, total))

    async def get_user(request: Request) -> Response:
        async with as_admin(database(request)) as conn:
            await authenticate_admin(conn, request, settings)
            user = await _load_target(conn, request.path_params["user_id"])
            return JSONResponse(await user_payload(conn, user))

    async def update_user_by_id(request: Request) -> Response:
        body = await json_body(request)
        async with as_admin(database(request)) as conn:
            await authenticate_admin(conn, request, settings)
            user = await _load_target(conn, request.path_params["user_id"])
            columns: dict[str, Any] = {}
            if isinstance(body.get("role"), str) and body["role"]:
                columns["role"] = body["role"]
            email = body.get("email")
            if isinstance(email, str) and email:
                email = validate_email(email)
                if email != (user.get("email") or ""):
                    await ensure_email_unused(conn, email, user["id"])
                    columns["email"] = email
            phone = body.get("phone")
            if isinstance(phone, str) and phone:
                phone = validate_phone(phone)
                if phone != (user.get("phone") or "").lstrip("+"):
                    await ensure_phone_unused(conn, phone, user["id"])
                    columns["phone"] = phone
            password_columns = await _password_columns(body)
            columns.update(password_columns)
            columns.update(_ban_columns(body))
            if body.get("email_confirm") is True and not is_email_confirmed(user):
                columns["email_confirmed_at"] = now()
            if body.get("phone_confirm") is True and user.get("phone_confirmed_at") is None:
                columns["phone_confirmed_at"] = now()
            user_metadata = _dict_or_none(body, "user_metadata")
            if user_metadata is not None:
                columns["raw_user_meta_data"] = Jsonb(
                    merge_metadata(user.get("raw_user_meta_data"), user_metadata)
                )
            app_metadata = _dict_or_none(body, "app_metadata")
            if app_metadata is not None:
                columns["raw_app_meta_data"] = Jsonb(
                    merge_metadata(user.get("raw_app_meta_data"), app_metadata)
                )
            if columns:
                user = await update_user(conn, user["id"], **columns)
            if password_columns:
                await logout_all_except(conn, user["id"], None)
            return JSONResponse(await user_payload(conn, user))

    async def delete_user(request: Request) -> Response:
        body = await json_body(request)
        async with as_admin(database(request)) as conn:
            await authenticate_admin(conn, request, settings)
            user = await _load_target(conn, request.path_params["user_id"])
            if body.get("should_soft_delete") is True:
                if user.get("deleted_at") is None:
                    await _soft_delete(conn, user)
            else:
                await conn.execute("delete from auth.users where id = %s", (user["id"],))
        return JSONResponse({})

    async def invite(request: Request) -> Response:
        body = await json_body(request)
        async with as_admin(database(request)) as conn:
            await authenticate_admin(conn, request, settings)
            email = validate_email(body.get("email"))
            data = body.get("data") if isinstance(body.get("data"), dict) else {}
            user = await find_user_by_email(conn, email)
            if user is not None and is_email_confirmed(user):
                raise email_exists()
            if user is None:
                user = await insert_email_user(conn, email, data)
            user, mail, _ = await issue_link(
                conn, settings, user, "invite", referrer(settings, request, body.get("redirect_to"))
            )
            await send(settings, mail)
            return JSONResponse(await user_payload(conn, user))

    async def generate_link(request: Request) -> Response:
        body = await json_body(request)
        async with as_admin(database(request)) as conn:
            await authenticate_admin(conn, request, settings)
            return JSONResponse(await _generate_link(conn, settings, request, body))

    return [
        Route("/admin/users", list_users, methods=["GET"]),
        Route("/admin/users", create_user, methods=["POST"]),
        Route("/admin/users/{user_id}", get_user, methods=["GET"]),
        Route("/admin/users/{user_id}", update_user_by_id, methods=["PUT"]),
        Route("/admin/users/{user_id}", delete_user, methods=["DELETE"]),
        Route("/admin/generate_link", generate_link, methods=["POST"]),
        Route("/invite", invite, methods=["POST"]),
    ]


def _pagination_headers(request: Request, page: int, per_page: int, total: int) -> dict[str, str]:
    """GoTrue's `Link` (next, last) and `X-Total-Count`, with paths as GoTrue sees them."""
    total_pages = -(-total // per_page) if per_page else 0
    path = "/admin/users"
    query = dict(request.query_params)
    links = []
    if total_pages > page:
        links.append(f'<{path}?{urlencode({**query, "page": page + 1})}>; rel="next"')
    links.append(f'<{path}?{urlencode({**query, "page": total_pages})}>; rel="last"')
    return {"Link": ", ".join(links), "X-Total-Count": str(total)}


async def _soft_delete(conn: AsyncConnection, user: Row) -> None:
    """GoTrue's soft delete: obfuscate email/phone, drop secrets and metadata, end sessions."""

    def obfuscated(value: str | None) -> str | None:
        if not value:
            return value
        return f"{uuid.uuid5(uuid.NAMESPACE_URL, str(user['id']) + value).hex}@deleted"

    await update_user(
        conn,
        user["id"],
        email=obfuscated(user.get("email")),
        phone=None,
        encrypted_password=None,
        email_change="",
        phone_change="",
        confirmation_token="",
        recovery_token="",
        email_change_token_current="",
        email_change_token_new="",
        phone_change_token="",
        deleted_at=now(),
        raw_user_meta_data=Jsonb({}),
        raw_app_meta_data=Jsonb({}),
    )
    await conn.execute(
        "update auth.identities set identity_data = '{}'::jsonb,"
        " provider_id = md5(provider_id || id::text) where user_id = %s",
        (user["id"],),
    )
    await logout_all_except(conn, user["id"], None)


async def _generate_link(
    conn: AsyncConnection, settings: StackSettings, request: Request, body: dict[str, Any]
) -> dict[str, Any]:
    """POST /admin/generate_link: the user plus action_link, email_otp, hashed_token..."""
    kind = body.get("type") if isinstance(body.get("type"), str) else ""
    email = validate_email(body.get("email"))
    requested = body.get("redirect_to") or request.query_params.get("redirect_to")
    target = (
        str(requested) if redirect_allowed(settings, requested) else referrer(settings, request)
    )
    data = body.get("data") if isinstance(body.get("data"), dict) else None
    user = await find_user_by_email(conn, email)
    password = body.get("password") if isinstance(body.get("password"), str) else ""
    if user is None:
        if kind == "magiclink":
            kind, password = "signup", secrets.token_urlsafe(48)
        elif kind in ("recovery", "email_change_current", "email_change_new"):
            raise not_found("user_not_found", "User with this email not found")
    link_kind = kind
    new_email: str | None = None
    if kind in ("signup", "invite"):
        if user is not None and is_email_confirmed(user):
            raise email_exists()
        if user is None:
            if kind == "signup":
                if not password:
                    raise unprocessable("validation_failed", "Signup requires a valid password")
                check_password_strength(password)
            user = await insert_email_user(conn, email, data, password or None)
        elif data:
            user = await update_user(
                conn,
                user["id"],
                raw_user_meta_data=Jsonb(merge_metadata(user.get("raw_user_meta_data"), data)),
            )
    elif kind in ("email_change_current", "email_change_new"):
        new_email = validate_email(body.get("new_email"))
        assert user is not None
        await ensure_email_unused(conn, new_email, user["id"])
        link_kind = "email_change"
    elif kind not in ("magiclink", "recovery"):
        raise bad_request("validation_failed", f"Invalid email action link type requested: {kind}")
    assert user is not None
    user, mail, hashed = await issue_link(
        conn, settings, user, link_kind, target, new_email=new_email
    )
    return {
        **await user_payload(conn, user),
        "action_link": mail.link,
        "email_otp": mail.otp,
        "hashed_token": hashed,
        "verification_type": kind,
        "redirect_to": target,
    }


__all__ = ["parse_ban_duration", "routes"]
