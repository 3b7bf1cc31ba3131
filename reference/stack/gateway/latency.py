"""A distance for the stand-in: every HTTP answer of the gateway (API and site) waits N ms."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send


class Latency:
    """Hold each HTTP request `latency_ms` before the app sees it, so a client on the same
    machine meets the round trip of a far target (same URLs, nothing slowed in the client)."""

    def __init__(self, app: ASGIApp, latency_ms: int) -> None:
        self.app = app
        self.delay_s = latency_ms / 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(self.delay_s)
        await self.app(scope, receive, send)
