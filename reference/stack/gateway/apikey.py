"""Supabase's API gateway rule: /rest/v1 and /auth/v1 need one of the project's API keys."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from ..settings import StackSettings

GUARDED_PREFIXES = ("/rest/v1", "/auth/v1")
OPEN_PATHS = ("/auth/v1/verify", "/auth/v1/callback", "/auth/v1/health")


class ApiKeyGate:
    """Reject requests without a valid `apikey` (header or query) as Supabase's Kong does."""

    def __init__(self, app: ASGIApp, settings: StackSettings) -> None:
        self.app = app
        self.keys = set(settings.api_keys.values())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not path.startswith(GUARDED_PREFIXES) or path.startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"apikey") or _query_apikey(scope)
        if key is None:
            await _reject(
                send,
                {
                    "message": "No API key found in request",
                    "hint": "No `apikey` request header or url param was found.",
                },
            )
            return
        if key not in self.keys:
            await _reject(
                send,
                {
                    "message": "Invalid API key",
                    "hint": "Double check your Supabase `anon` or `service_role` API key.",
                },
            )
            return
        await self.app(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _query_apikey(scope: Scope) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("apikey")
    return values[0] if values else None


async def _reject(send: Send, body: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
