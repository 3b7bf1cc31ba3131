"""GoTrue's errors and its two JSON shapes, chosen by the `X-Supabase-Api-Version` header.

With `X-Supabase-Api-Version: 2024-01-01` (or any later date) GoTrue answers
`{"code": "<error_code>", "message": "..."}` and echoes the version back; without it (or with
an earlier or unparsable date) it answers the initial shape
`{"code": <http status>, "error_code": "<error_code>", "msg": "..."}`. supabase-py and
supabase-js read `code` as the error code only when the response echoes the header.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("reference.stack.gateway.auth")

API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION_2024_01_01 = date(2024, 1, 1)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class AuthApiError(Exception):
    """An error GoTrue reports to the caller: HTTP status, error code, message."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class OAuthError(Exception):
    """GoTrue's OAuth2-style error (`{"error","error_description"}`, always 400)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def bad_request(code: str, message: str) -> AuthApiError:
    """400 with `code`."""
    return AuthApiError(400, code, message)


def forbidden(code: str, message: str) -> AuthApiError:
    """403 with `code`."""
    return AuthApiError(403, code, message)


def not_found(code: str, message: str) -> AuthApiError:
    """404 with `code`."""
    return AuthApiError(404, code, message)


def unprocessable(code: str, message: str) -> AuthApiError:
    """422 with `code`."""
    return AuthApiError(422, code, message)


def email_exists() -> AuthApiError:
    """422 `email_exists`: another (confirmed) user already has this email."""
    return unprocessable(
        "email_exists", "A user with this email address has already been registered"
    )


def requested_api_version(request: Request) -> date | None:
    """The API version the caller asked for, snapped to the closest known one (None = initial)."""
    raw = request.headers.get(API_VERSION_HEADER, "")
    if not raw or not _DATE.match(raw):
        return None
    try:
        asked = date.fromisoformat(raw)
    except ValueError:
        return None
    return API_VERSION_2024_01_01 if asked >= API_VERSION_2024_01_01 else None


def error_response(request: Request, err: AuthApiError) -> JSONResponse:
    """The error in the shape the caller's API version expects, echoing the version header."""
    version = requested_api_version(request)
    headers: dict[str, str] = {}
    if version is not None:
        headers[API_VERSION_HEADER] = version.isoformat()
        body: dict[str, Any] = {"code": err.code, "message": err.message}
    else:
        body = {"code": err.status, "error_code": err.code, "msg": err.message}
    body.update(err.extra)
    return JSONResponse(body, status_code=err.status, headers=headers)


Handler = Callable[[Request], Awaitable[Response]]


def gotrue_endpoint(handler: Handler) -> Handler:
    """Turn AuthApiError/OAuthError into GoTrue's JSON, and anything else into its 500."""

    @functools.wraps(handler)
    async def wrapper(request: Request) -> Response:
        try:
            return await handler(request)
        except AuthApiError as err:
            return error_response(request, err)
        except OAuthError as err:
            body = {"error": err.error, "error_description": err.description}
            return JSONResponse(body, status_code=400)
        except Exception:
            log.exception("auth: unhandled error on %s %s", request.method, request.url.path)
            failure = AuthApiError(
                500,
                "unexpected_failure",
                "Unexpected failure, please check server logs for more information",
            )
            return error_response(request, failure)

    return wrapper


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object (form fields for form posts); GoTrue's `bad_json` otherwise."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError as exc:
        raise bad_request("bad_json", f"Could not parse request body as JSON: {exc}") from exc
    if not isinstance(parsed, dict):
        raise bad_request(
            "bad_json", "Could not parse request body as JSON: expected a JSON object"
        )
    return parsed
