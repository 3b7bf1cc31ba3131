"""CORS as Supabase's API gateway answers it, except for edge functions, which answer their own."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

EXPOSED = [
    "content-range",
    "x-total-count",
    "link",
    "content-profile",
    "x-supabase-api-version",
    "location",
    "etag",
]
FUNCTIONS_PREFIX = "/functions/v1"


class GatewayCors:
    """Allow any origin on the API surfaces; leave /functions/v1 to the function's own CORS code.

    On Supabase a browser's preflight reaches the function itself: a function that forgets to
    answer OPTIONS fails in the browser. Answering it here would hide that.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=EXPOSED,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(FUNCTIONS_PREFIX):
            await self.app(scope, receive, send)
        else:
            await self.cors(scope, receive, send)
