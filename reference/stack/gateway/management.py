"""The Management API's secrets listing (`supabase secrets list`), for this one project.

    GET /v1/projects/{ref}/secrets   Authorization: Bearer <personal access token, sbp_…>
        -> [{"name": "RESEND_API_KEY", "value": "<sha256 hex of the value>"}, ...]

As on api.supabase.com, the listing names every secret the edge functions get, the
platform's reserved SUPABASE_* ones included, and gives a digest of each value, never the
value. A missing or wrong token is 401; another project's ref is 404. The secrets are read as
`supabase secrets set` left them (`functions.env`, re-read when it changed).
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..settings import StackSettings


def digest(value: str) -> str:
    """What the listing shows of a secret's value: its SHA-256, in hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def routes(settings: StackSettings) -> list[BaseRoute]:
    """The secrets listing, under /v1."""

    async def list_secrets(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        expected = settings.management_token or ""
        if scheme != "Bearer" or not expected or not hmac.compare_digest(token, expected):
            return JSONResponse({"message": "Unauthorized"}, 401)
        if request.path_params["ref"] != settings.ref:
            return JSONResponse({"message": "Project not found"}, 404)
        secrets = settings.current_function_secrets()
        return JSONResponse(
            [{"name": name, "value": digest(value)} for name, value in sorted(secrets.items())]
        )

    return [Route("/projects/{ref}/secrets", list_secrets, methods=["GET"])]
