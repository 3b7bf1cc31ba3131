"""`/auth/v1`: a GoTrue stand-in speaking Supabase Auth's endpoints, JSON and error codes.

User-facing endpoints live here (health, settings, token grants, user, logout, signup,
recover, verify, otp); the admin API and invites in auth_admin. GoTrue owns the auth schema,
so every query runs in a superuser transaction (`as_admin`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..settings import StackSettings
from . import auth_admin
from .auth_config import auth_settings, public_settings
from .auth_errors import (
    AuthApiError,
    bad_request,
    gotrue_endpoint,
    json_body,
    unprocessable,
)
from .auth_links import LINK_TYPES, apply_link, find_by_token_hash, issue_link
from .auth_mail import referrer, send
from .auth_sessions import (
    authenticate,
    issue_session,
    logout,
    logout_all_except,
    refresh_grant,
)
from .auth_users import (
    check_password_strength,
    confirm_email,
    ensure_email_unused,
    find_user_by_email,
    find_user_by_phone,
    hash_password,
    insert_email_user,
    insert_user,
    is_banned,
    is_email_confirmed,
    is_phone_confirmed,
    password_matches,
    token_hash,
    update_app_metadata,
    update_user,
    update_user_metadata,
    user_payload,
    validate_email,
    validate_phone,
)
from .db import as_admin, database

GOTRUE_VERSION = "v2.170.0-stand-in"
INVALID_LOGIN = "Invalid login credentials"


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""


def autoconfirm(settings: StackSettings) -> bool:
    """GOTRUE_MAILER_AUTOCONFIRM: the project's auth setting (on, as `supabase start` runs it)."""
    return bool(auth_settings(settings)["mailer_autoconfirm"])


def routes(settings: StackSettings) -> list[BaseRoute]:
    """GoTrue's routes, to be mounted at /auth/v1."""

    async def health(request: Request) -> Response:
        return JSONResponse(
            {
                "version": GOTRUE_VERSION,
                "name": "GoTrue",
                "description": "GoTrue is a user registration and authentication API",
            }
        )

    async def jwks(request: Request) -> Response:
        # GoTrue publishes its signing keys' public halves; HS256-only projects publish none.
        if settings.gateway_routes().get("serve_jwks") is False:
            return JSONResponse({"code": 404, "error_code": "not_found", "msg": "Not Found"}, 404)
        return JSONResponse(
            settings.tokens.jwks(), headers={"cache-control": "public, max-age=600"}
        )

    async def gotrue_settings(request: Request) -> Response:
        return JSONResponse(public_settings(settings))

    async def token(request: Request) -> Response:
        body = await json_body(request)
        grant_type = request.query_params.get("grant_type") or _text(body, "grant_type")
        if grant_type == "password":
            return JSONResponse(await password_grant(request, body))
        if grant_type == "refresh_token":
            return JSONResponse(
                await refresh_grant(database(request), settings, body.get("refresh_token"))
            )
        raise bad_request("invalid_credentials", "unsupported_grant_type")

    async def password_grant(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        email, phone, password = _text(body, "email"), _text(body, "phone"), _text(body, "password")
        if email and phone:
            raise bad_request(
                "validation_failed",
                "Only an email address or phone number should be provided on login.",
            )
        if not email and not phone:
            raise bad_request("validation_failed", "missing email or phone")
        async with as_admin(database(request)) as conn:
            user = await (
                find_user_by_email(conn, email) if email else find_user_by_phone(conn, phone)
            )
            if user is None or not user.get("encrypted_password"):
                raise bad_request("invalid_credentials", INVALID_LOGIN)
            if is_banned(user):
                raise bad_request("user_banned", "User is banned")
            if not await password_matches(user, password):
                raise bad_request("invalid_credentials", INVALID_LOGIN)
            if email and not is_email_confirmed(user):
                raise bad_request("email_not_confirmed", "Email not confirmed")
            if phone and not is_phone_confirmed(user):
                raise bad_request("phone_not_confirmed", "Phone not confirmed")
            return await issue_session(conn, settings, request, user, "password")

    async def get_user(request: Request) -> Response:
        async with as_admin(database(request)) as conn:
            caller = await authenticate(conn, request, settings)
            assert caller.user is not None
            return JSONResponse(await user_payload(conn, caller.user))

    async def put_user(request: Request) -> Response:
        body = await json_body(request)
        async with as_admin(database(request)) as conn:
            caller = await authenticate(conn, request, settings)
            user = caller.user
            assert user is not None
            if body.get("app_metadata") is not None and not caller.is_admin:
                raise AuthApiError(
                    403, "not_admin", "Updating app_metadata requires admin privileges"
                )
            email = _text(body, "email")
            if email:
                email = validate_email(email)
                if email != (user.get("email") or ""):
                    await ensure_email_unused(conn, email, user["id"])
            phone = _text(body, "phone")
            if phone and validate_phone(phone) != (user.get("phone") or "").lstrip("+"):
                raise AuthApiError(
                    500, "sms_send_failed", "Error sending sms: no SMS provider is configured"
                )
            password = body.get("password")
            if isinstance(password, str):
                if password:
                    check_password_strength(password)
                    if await password_matches(user, password):
                        raise unprocessable(
                            "same_password",
                            "New password should be different from the old password.",
                        )
                user = await update_user(
                    conn,
                    user["id"],
                    encrypted_password=await hash_password(password) if password else "",
                    confirmation_token="",
                    confirmation_sent_at=None,
                    recovery_token="",
                    recovery_sent_at=None,
                    email_change_token_current="",
                    email_change_token_new="",
                    email_change_sent_at=None,
                )
                session_id = caller.session["id"] if caller.session else None
                await logout_all_except(conn, user["id"], session_id)
            if isinstance(body.get("data"), dict):
                user = await update_user_metadata(conn, user, body["data"])
            if isinstance(body.get("app_metadata"), dict):
                user = await update_app_metadata(conn, user, body["app_metadata"])
            if email and email != (user.get("email") or ""):
                target = referrer(settings, request)
                user, mail, _ = await issue_link(
                    conn, settings, user, "email_change", target, new_email=email
                )
                await send(settings, mail)
            return JSONResponse(await user_payload(conn, user))

    async def logout_endpoint(request: Request) -> Response:
        scope = request.query_params.get("scope") or "global"
        if scope not in ("global", "local", "others"):
            raise bad_request("validation_failed", f'Unsupported logout scope "{scope}"')
        async with as_admin(database(request)) as conn:
            caller = await authenticate(conn, request, settings)
            await logout(conn, caller, scope)
        return Response(status_code=204)

    async def signup(request: Request) -> Response:
        body = await json_body(request)
        password = _text(body, "password")
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        email, phone = _text(body, "email"), _text(body, "phone")
        if not email and not phone:
            raise bad_request(
                "validation_failed", "Sign up only available with email or phone provider"
            )
        if auth_settings(settings)["disable_signup"]:
            raise unprocessable("signup_disabled", "Signups not allowed for this instance")
        if not password:
            raise unprocessable("validation_failed", "Signup requires a valid password")
        check_password_strength(password)
        provider = "email" if email else "phone"
        async with as_admin(database(request)) as conn:
            if provider == "email":
                email = validate_email(email)
                user = await find_user_by_email(conn, email)
                confirmed = user is not None and is_email_confirmed(user)
            else:
                phone = validate_phone(phone)
                user = await find_user_by_phone(conn, phone)
                confirmed = user is not None and is_phone_confirmed(user)
            if confirmed:
                raise unprocessable("user_already_exists", "User already registered")
            if user is None:
                user = await insert_user(
                    conn,
                    email=email or None,
                    phone=phone or None,
                    password=password,
                    provider=provider,
                    user_metadata=data,
                )
            if provider == "phone":
                # No SMS provider here: phone signups stay unconfirmed, as with autoconfirm off.
                return JSONResponse(await user_payload(conn, user))
            if autoconfirm(settings):
                user = await confirm_email(conn, user)
                return JSONResponse(await issue_session(conn, settings, request, user, "password"))
            user, mail, _ = await issue_link(
                conn, settings, user, "signup", referrer(settings, request)
            )
            await send(settings, mail)
            return JSONResponse(await user_payload(conn, user))

    async def recover(request: Request) -> Response:
        body = await json_body(request)
        email = validate_email(body.get("email"))
        async with as_admin(database(request)) as conn:
            user = await find_user_by_email(conn, email)
            if user is not None:
                user, mail, _ = await issue_link(
                    conn, settings, user, "recovery", referrer(settings, request)
                )
                await send(settings, mail)
        return JSONResponse({})

    async def otp(request: Request) -> Response:
        body = await json_body(request)
        if _text(body, "phone"):
            raise AuthApiError(
                500, "sms_send_failed", "Error sending sms OTP: no SMS provider is configured"
            )
        email = validate_email(body.get("email"))
        create_user = body.get("create_user", True) is not False
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        async with as_admin(database(request)) as conn:
            user = await find_user_by_email(conn, email)
            if user is None:
                if not create_user:
                    raise unprocessable("otp_disabled", "Signups not allowed for otp")
                user = await insert_email_user(conn, email, data)
            kind = "magiclink" if is_email_confirmed(user) else "signup"
            user, mail, _ = await issue_link(
                conn, settings, user, kind, referrer(settings, request)
            )
            await send(settings, mail)
        return JSONResponse({})

    async def verify(request: Request) -> Response:
        if request.method == "GET":
            return await verify_get(request)
        body = await json_body(request)
        kind = _text(body, "type")
        if not kind:
            raise bad_request("validation_failed", "Verify requires a verification type")
        hashed, otp_code = _text(body, "token_hash"), _text(body, "token")
        if bool(hashed) == bool(otp_code):
            raise bad_request("validation_failed", "Verify requires either a token or a token hash")
        if otp_code:
            if not _text(body, "email"):
                raise bad_request(
                    "validation_failed",
                    "Only an email address or phone number should be provided on verify",
                )
            hashed = token_hash(validate_email(body.get("email")), otp_code)
        if kind not in (*LINK_TYPES, "email"):
            raise bad_request("validation_failed", "Unsupported verification type")
        async with as_admin(database(request)) as conn:
            user = await find_by_token_hash(conn, kind, hashed)
            user = await apply_link(conn, user, kind, hashed)
            return JSONResponse(await issue_session(conn, settings, request, user, "otp"))

    async def verify_get(request: Request) -> Response:
        kind = request.query_params.get("type", "")
        hashed = request.query_params.get("token", "")
        target = referrer(settings, request)
        if not kind:
            raise bad_request("validation_failed", "Verify requires a verification type")
        if not hashed:
            raise bad_request("validation_failed", "Verify requires a token or a token hash")
        if kind not in LINK_TYPES:
            raise bad_request("validation_failed", "Unsupported verification type")
        try:
            async with as_admin(database(request)) as conn:
                user = await find_by_token_hash(conn, kind, hashed)
                user = await apply_link(conn, user, kind, hashed)
                tokens = await issue_session(conn, settings, request, user, "otp")
        except AuthApiError as err:
            oauth_error = {
                400: "invalid_request",
                401: "unauthorized_client",
                403: "access_denied",
                500: "server_error",
            }.get(err.status)
            fragment = {"error": oauth_error} if oauth_error else {}
            fragment.update(error_code=err.code, error_description=err.message, sb="")
            return RedirectResponse(f"{target}#{urlencode(sorted(fragment.items()))}", 303)
        fragment = {
            "access_token": tokens["access_token"],
            "expires_at": str(tokens["expires_at"]),
            "expires_in": str(tokens["expires_in"]),
            "refresh_token": tokens["refresh_token"],
            "sb": "",
            "token_type": "bearer",
            "type": kind,
        }
        return RedirectResponse(f"{target}#{urlencode(fragment)}", 303)

    endpoints = [
        Route("/health", health, methods=["GET"]),
        Route("/settings", gotrue_settings, methods=["GET"]),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        Route("/token", token, methods=["POST"]),
        Route("/user", get_user, methods=["GET"]),
        Route("/user", put_user, methods=["PUT"]),
        Route("/logout", logout_endpoint, methods=["POST"]),
        Route("/signup", signup, methods=["POST"]),
        Route("/recover", recover, methods=["POST"]),
        Route("/otp", otp, methods=["POST"]),
        Route("/magiclink", otp, methods=["POST"]),
        Route("/verify", verify, methods=["GET", "POST"]),
        *auth_admin.routes(settings),
    ]
    return [_guarded(route) for route in endpoints]


def _guarded(route: BaseRoute) -> BaseRoute:
    """Wrap a route's endpoint so every failure answers in GoTrue's error shape."""
    if isinstance(route, Route):
        return Route(route.path, gotrue_endpoint(route.endpoint), methods=route.methods)
    return route


__all__ = ["routes"]
