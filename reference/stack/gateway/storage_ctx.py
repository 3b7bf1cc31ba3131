"""What every Storage handler shares: the caller, the database as the caller or as admin, errors.

As in Supabase Storage, bucket lookups run as the superuser and every object query runs as the
caller's role with its claims set, so the project's storage policies decide.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..keys import InvalidToken
from ..settings import StackSettings
from . import storage_errors as errors
from .caller import request_token
from .db import Database, as_admin, as_caller
from .storage_disk import Disk
from .storage_signing import jose_message

log = logging.getLogger("reference.stack.gateway.storage")

GLOBAL_FILE_SIZE_LIMIT = 50 * 1024 * 1024  # the Supabase CLI's default (50MiB)


@dataclass
class Ctx:
    """One Storage request: settings, database, disk and the caller's verified claims."""

    request: Request
    settings: StackSettings
    db: Database
    disk: Disk
    claims: dict[str, Any]
    authenticated: bool

    @property
    def role(self) -> str:
        return str(self.claims.get("role") or "anon")

    @property
    def owner(self) -> str | None:
        """The JWT's `sub` (Storage records it as the object's owner)."""
        sub = self.claims.get("sub")
        return str(sub) if sub else None

    @property
    def owner_uuid(self) -> str | None:
        """`sub` when it is a uuid (the `owner` column's type), else None."""
        try:
            return str(UUID(self.owner)) if self.owner else None
        except ValueError:
            return None

    @property
    def global_limit(self) -> int:
        return int(getattr(self.settings, "storage_file_size_limit", GLOBAL_FILE_SIZE_LIMIT))

    @asynccontextmanager
    async def as_caller(self, *, read_only: bool = False) -> AsyncIterator[AsyncConnection]:
        """One transaction as the caller's role; Postgres errors become Storage's."""
        with translate_db_errors():
            async with as_caller(
                self.db,
                self.claims,
                read_only=read_only,
                method=self.request.method,
                path=self.request.url.path,
                headers=dict(self.request.headers),
            ) as conn:
                yield conn

    @asynccontextmanager
    async def as_admin(self) -> AsyncIterator[AsyncConnection]:
        """One superuser transaction (Storage's own lookups)."""
        with translate_db_errors():
            async with as_admin(self.db) as conn:
                yield conn

    async def find_bucket(self, bucket_id: str, *, public_only: bool = False) -> dict[str, Any]:
        """The bucket row as admin; NoSuchBucket when missing (or not public when asked)."""
        found = await self.find_bucket_or_none(bucket_id)
        if found is None or (public_only and not found["public"]):
            raise errors.no_such_bucket()
        return found

    async def find_bucket_or_none(self, bucket_id: str) -> dict[str, Any] | None:
        """The bucket row as admin, or None."""
        async with self.as_admin() as conn:
            return await fetch_one(
                conn,
                "select id, name, public, file_size_limit, allowed_mime_types "
                "from storage.buckets where id = %s",
                (bucket_id,),
            )


async def fetch_all(conn: AsyncConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Run `sql` and return its rows as dicts (the pooled connection keeps its row factory)."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall() if cur.description else []


async def fetch_one(conn: AsyncConnection, sql: str, params: Any = None) -> dict[str, Any] | None:
    """Run `sql` and return its first row as a dict, or None."""
    found = await fetch_all(conn, sql, params)
    return found[0] if found else None


class translate_db_errors:  # noqa: N801 - used as a context manager, reads like one
    """Turn a Postgres error raised by a Storage query into Storage's error."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        if isinstance(exc, psycopg.Error) and not isinstance(exc, psycopg.OperationalError):
            message = exc.diag.message_primary or str(exc)
            raise errors.from_sqlstate(exc.sqlstate, message) from exc
        if isinstance(exc, psycopg.OperationalError):
            log.warning("storage: database unavailable: %s", exc)
            raise errors.internal("The database is unavailable") from exc
        return False


async def context(request: Request, *, allow_invalid_jwt: bool = False) -> Ctx:
    """Verify the caller as Storage does; with `allow_invalid_jwt` a bad token means anon."""
    state = request.app.state
    settings: StackSettings = state.settings
    disk = getattr(state, "storage_disk", None)
    if disk is None:
        disk = state.storage_disk = Disk(settings.state_dir)
    token = request_token(request)
    claims: dict[str, Any] = {"role": "anon"}
    authenticated = False
    if token:
        try:
            claims = settings.tokens.decode(token)
            authenticated = True
        except InvalidToken as exc:
            if not allow_invalid_jwt:
                raise errors.access_denied(jose_message(exc)) from exc
    elif not allow_invalid_jwt:
        if "authorization" not in request.headers:
            raise errors.missing_authorization()
        raise errors.access_denied("Invalid Compact JWS")
    return Ctx(request, settings, state.db, disk, claims, authenticated)


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (empty body → {}), else a Storage 400."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise errors.invalid_request("Body is not valid JSON") from None
    if not isinstance(body, dict):
        raise errors.invalid_request("body must be object")
    return body


def require_str(body: dict[str, Any], key: str) -> str:
    """A required string property of the body (Storage's schema validation message)."""
    value = body.get(key)
    if value is None:
        raise errors.invalid_request(f"body must have required property '{key}'")
    if not isinstance(value, str):
        raise errors.invalid_request(f"body/{key} must be string")
    return value


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """A row with datetimes and uuids as Storage serializes them."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, UUID):
            value = str(value)
        out[key] = value
    return out


Handler = Callable[[Request], Awaitable[Response]]


def storage_handler(func: Handler) -> Handler:
    """Wrap a handler: StorageError → its response; anything else → a 500 in Storage's shape."""

    async def wrapped(request: Request) -> Response:
        try:
            return await func(request)
        except errors.StorageError as exc:
            return exc.response()
        except Exception:  # never a traceback on the wire; the log keeps it
            log.exception("storage: %s %s failed", request.method, request.url.path)
            return errors.internal().response()

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped


def message(text: str) -> JSONResponse:
    """Storage's `{"message": ...}` success body."""
    return JSONResponse({"message": text})
