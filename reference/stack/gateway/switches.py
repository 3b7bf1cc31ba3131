"""Route switches of `gateway.json` that take a whole surface down, and the site's domain names
(see StackSettings)."""

from __future__ import annotations

import ipaddress

from starlette.responses import JSONResponse, PlainTextResponse
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


class SiteNames:
    """A request for a domain name the site was not given (`site-names.json`) finds no site:
    404, as a hosting provider answers for a domain not added to the deployment. Requests to
    this machine's addresses (127.0.0.1, localhost, how every client of the stand-in calls it)
    are served as always."""

    def __init__(self, app: ASGIApp, settings: StackSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            name = _host_name(scope)
            if name and not _is_address(name) and name not in self.settings.site_names():
                response = PlainTextResponse(
                    f"Site not found: {name} is not a domain of this deployment", 404
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _host_name(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            host = value.decode("latin-1").strip().lower()
            return host[1:].split("]", 1)[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    return ""


def _is_address(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
