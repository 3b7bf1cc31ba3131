"""Route switches of `gateway.json` that take a whole surface down (see StackSettings)."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..settings import StackSettings

AUTH_PREFIX = "/auth/v1"


class AuthSwitch:
    """With `{"serve_auth": false}`, every /auth/v1 request answers 503 (GoTrue is down) while
    the REST API, Storage, functions and the site keep answering."""

    def __init__(self, app: ASGIApp, settings: StackSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and str(scope.get("path", "")).startswith(AUTH_PREFIX)
            and self.settings.gateway_routes().get("serve_auth") is False
        ):
            response = JSONResponse({"message": "auth is down"}, status_code=503)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
