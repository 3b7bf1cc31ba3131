"""The stand-in's HTTP gateway: one Starlette app with Supabase's surfaces and the web app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from ..deno import FunctionWorkers
from ..settings import StackSettings
from . import auth, functions, management, rest, sinks, storage, web
from .apikey import ApiKeyGate
from .cors import GatewayCors
from .db import Database
from .latency import Latency
from .net_sender import run_sender
from .switches import AuthSwitch, SiteNames


def _surface_routes(settings: StackSettings) -> list[BaseRoute]:
    """Supabase's HTTP surfaces and the provider sinks, each under its own prefix."""
    return [
        Mount(prefix, routes=module.routes(settings))
        for prefix, module in (
            ("/auth/v1", auth),
            ("/rest/v1", rest),
            ("/storage/v1", storage),
            ("/functions/v1", functions),
            ("/sinks", sinks),
            ("/v1", management),
        )
    ]


def create_app(settings: StackSettings) -> Starlette:
    """The gateway for one project: opens the database pools and edge functions on startup."""
    workers = FunctionWorkers(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.db = await Database.open(settings.authenticator_db_url, settings.admin_db_url)
        app.state.functions = workers
        sender = asyncio.create_task(run_sender(settings.admin_db_url))
        try:
            await workers.start()
            yield
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            await workers.stop()
            await app.state.db.close()

    routes = [*_surface_routes(settings), Mount("/", routes=web.routes(settings))]
    middleware = [
        Middleware(SiteNames, settings=settings),
        Middleware(GatewayCors),
        Middleware(AuthSwitch, settings=settings),
        Middleware(ApiKeyGate, settings=settings),
    ]
    if settings.latency_ms:
        middleware.insert(0, Middleware(Latency, latency_ms=settings.latency_ms))
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
