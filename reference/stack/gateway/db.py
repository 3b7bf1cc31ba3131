"""Database access for the gateway: per-request transactions as the caller's role, and admin."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request

KNOWN_ROLES = ("anon", "authenticated", "service_role")


@dataclass
class Database:
    """The gateway's two pools: `authenticator` for callers, `postgres` for Supabase's services."""

    authenticator: AsyncConnectionPool
    admin: AsyncConnectionPool

    @classmethod
    async def open(cls, authenticator_url: str, admin_url: str) -> Database:
        """Open both pools and wait until each has a connection."""
        # A connection the server ended (pg_terminate_backend, a restart) is replaced before
        # it is handed out, as PostgREST reconnects.
        check = AsyncConnectionPool.check_connection
        caller_pool = AsyncConnectionPool(
            authenticator_url,
            min_size=2,
            max_size=12,
            open=False,
            kwargs={"autocommit": False},
            check=check,
        )
        admin_pool = AsyncConnectionPool(
            admin_url, min_size=1, max_size=6, open=False, kwargs={"autocommit": False}, check=check
        )
        await caller_pool.open(wait=True, timeout=30)
        await admin_pool.open(wait=True, timeout=30)
        return cls(caller_pool, admin_pool)

    async def close(self) -> None:
        """Close both pools."""
        await self.authenticator.close()
        await self.admin.close()


def database(request: Request) -> Database:
    """The project's database pools, as the app's lifespan opened them (`app.state.db`)."""
    return request.app.state.db


def role_of(claims: Mapping[str, Any]) -> str:
    """The database role a request runs as: the JWT's `role` claim, `anon` without one."""
    return str(claims.get("role") or "anon")


@asynccontextmanager
async def as_caller(
    db: Database,
    claims: Mapping[str, Any],
    *,
    read_only: bool = False,
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[AsyncConnection]:
    """One transaction as the JWT's role with PostgREST's request settings; rolled back on error.

    An unknown role in the JWT fails in Postgres (`role "x" does not exist`), as in PostgREST.
    """
    async with db.authenticator.connection() as conn, conn.transaction():
        if read_only:
            await conn.execute("set transaction read only")
        await conn.execute(
            "select set_config('role', %s, true), "
            "set_config('request.jwt.claims', %s, true), "
            "set_config('request.jwt.claim.sub', %s, true), "
            "set_config('request.jwt.claim.role', %s, true), "
            "set_config('request.jwt.claim.email', %s, true), "
            "set_config('request.method', %s, true), "
            "set_config('request.path', %s, true), "
            "set_config('request.headers', %s, true)",
            (
                role_of(claims),
                json.dumps(dict(claims)),
                str(claims.get("sub") or ""),
                role_of(claims),
                str(claims.get("email") or ""),
                method,
                path,
                json.dumps({k.lower(): v for k, v in (headers or {}).items()}),
            ),
        )
        yield conn


@asynccontextmanager
async def as_admin(db: Database) -> AsyncIterator[AsyncConnection]:
    """One superuser transaction, for what GoTrue and Storage do as their own admin roles."""
    async with db.admin.connection() as conn, conn.transaction():
        yield conn
