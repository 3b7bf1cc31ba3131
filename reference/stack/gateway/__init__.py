"""The stand-in's HTTP gateway: one Starlette app with Supabase's surfaces and the web app."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute, Mount

from ..settings import StackSettings
from . import web
from .apikey import ApiKeyGate
from .db import Database

log = logging.getLogger("reference.stack.gateway")

SURFACES = (
    ("/auth/v1", "auth"),
    ("/rest/v1", "rest"),
    ("/storage/v1", "storage"),
    ("/functions/v1", "functions"),
    ("/sinks", "sinks"),
)


def _surface_routes(settings: StackSettings) -> list[BaseRoute]:
    mounted: list[BaseRoute] = []
    for prefix, module_name in SURFACES:
        try:  # TODO(integration): import directly once every surface has landed
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{module_name}":
                raise
            log.warning("surface %s is not built yet", prefix)
            continue
        mounted.append(Mount(prefix, routes=module.routes(settings)))
    return mounted


def create_app(settings: StackSettings) -> Starlette:
    """The gateway for one project: opens the database pools and edge functions on startup."""
    try:  # TODO(integration): import directly once reference.stack.deno has landed
        from ..deno import FunctionWorkers

        workers = FunctionWorkers(settings)
    except ImportError:
        workers = None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.db = await Database.open(settings.authenticator_db_url, settings.admin_db_url)
        app.state.functions = workers
        try:
            if workers is not None:
                await workers.start()
            yield
        finally:
            if workers is not None:
                await workers.stop()
            await app.state.db.close()

    routes = [*_surface_routes(settings), Mount("/", routes=web.routes(settings))]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "content-range",
                "x-total-count",
                "link",
                "content-profile",
                "x-supabase-api-version",
                "location",
                "etag",
            ],
        ),
        Middleware(ApiKeyGate, settings=settings),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
