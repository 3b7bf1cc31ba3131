"""`/functions/v1/{name}`: the edge functions router, in front of the Deno workers.

It answers as `supabase functions serve` does (supabase/cli's main router): an unknown name is
404 `Function not found`; with verify_jwt (the default, opt out per function with
`[functions.NAME] verify_jwt = false` in `supabase/config.toml`, or as deployed with
`--no-verify-jwt`: the same table in the state dir's `functions.toml`) a request other than
OPTIONS needs `Authorization: Bearer <a JWT the project signed>`, else 401; a current API key
(`sb_…`, not a JWT) as the Bearer is 401 `UNAUTHORIZED_INVALID_JWT_FORMAT`; a worker that
failed to boot is 503 BOOT_ERROR and one that crashed 500 WORKER_ERROR. Everything else is
proxied to the function as is (method, path below the name, query, headers, body) and its
response streamed back. CORS preflight reaches the function, which answers it itself.

The workers come from `request.app.state.functions` (a `reference.stack.deno.DenoSupervisor`).
A request first lets it redeploy when `functions.env` or the functions' code changed (the
request waits for the new workers), as the next invocation after `supabase secrets set` or
`supabase functions deploy` runs the new secrets and code.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from ..deno import DenoSupervisor, FunctionWorker, WorkerState
from ..keys import InvalidToken, TokenKeys
from ..settings import StackSettings

log = logging.getLogger("reference.stack.gateway.functions")

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "trailers", "transfer-encoding", "upgrade",
}  # fmt: skip
_BOOT_ERROR = {"code": "BOOT_ERROR", "message": "Worker failed to boot (please check logs)"}
_WORKER_ERROR = {
    "code": "WORKER_ERROR",
    "message": "Function exited due to an error (please check logs)",
}
_WORKER_LIMIT = {
    "code": "WORKER_LIMIT",
    "message": "Worker failed to respond due to a resource limit (please check logs)",
}


def verify_jwt_settings(config_toml: Path) -> dict[str, bool]:
    """`{name: verify_jwt}` from the `[functions.NAME]` tables of supabase/config.toml."""
    if not config_toml.is_file():
        return {}
    try:
        config = tomllib.loads(config_toml.read_text())
    except tomllib.TOMLDecodeError as exc:
        log.warning("%s is not valid TOML (%s): every function verifies JWTs", config_toml, exc)
        return {}
    functions = config.get("functions", {})
    return {
        name: bool(table.get("verify_jwt", True))
        for name, table in functions.items()
        if isinstance(table, dict)
    }


def jwt_refusal(request: Request, tokens: TokenKeys) -> Response | None:
    """The CLI router's 401 for a request without a valid project JWT, or None when it has one."""
    header = request.headers.get("authorization")
    if not header:
        return JSONResponse({"msg": "Error: Missing authorization header"}, 401)
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer":
        return JSONResponse({"msg": "Error: Auth header is not 'Bearer {token}'"}, 401)
    if token.count(".") != 2:
        # Supabase's answer to an opaque API key (sb_publishable_…, sb_secret_…) as the Bearer
        return JSONResponse(
            {"code": "UNAUTHORIZED_INVALID_JWT_FORMAT", "message": "Invalid JWT"}, 401
        )
    try:
        tokens.decode(token)
    except InvalidToken:
        return JSONResponse({"msg": "Invalid JWT"}, 401)
    return None


def routes(settings: StackSettings) -> list[BaseRoute]:
    """The `/functions/v1` routes: `/{name}` and `/{name}/{path}`, any method."""
    project_config = verify_jwt_settings(Path(settings.functions_dir).parent / "config.toml")

    async def invoke(request: Request) -> Response:
        supervisor: DenoSupervisor | None = getattr(request.app.state, "functions", None)
        name = request.path_params["name"]
        if supervisor is not None:
            await supervisor.redeploy_if_changed()
        worker = supervisor.worker(name) if supervisor is not None else None
        if worker is None:
            return PlainTextResponse("Function not found", 404)
        # As deployed now: functions.toml is re-read so a redeploy takes effect at once.
        verify_jwt = {
            **project_config,
            **verify_jwt_settings(settings.state_dir / "functions.toml"),
        }
        if request.method != "OPTIONS" and verify_jwt.get(name, True):
            refusal = jwt_refusal(request, settings.tokens)
            if refusal is not None:
                return refusal
        state = worker.refresh()
        if state is WorkerState.BOOT_ERROR or state is WorkerState.BOOTING:
            return JSONResponse(_BOOT_ERROR, 503)
        if state is not WorkerState.READY:
            return JSONResponse(_WORKER_ERROR, 500)
        return await _proxy(request, supervisor.http, worker)

    return [
        Route("/{name}", invoke, methods=METHODS),
        Route("/{name}/{path:path}", invoke, methods=METHODS),
    ]


async def _proxy(request: Request, client: httpx.AsyncClient, worker: FunctionWorker) -> Response:
    name = worker.name
    base = f"{worker.base_url}/{name}"
    path = request.path_params.get("path")
    url = f"{base}/{path}" if path else base
    if request.url.query:
        url = f"{url}?{request.url.query}"
    headers: list[tuple[str, str]] = [
        (key, value) for key, value in request.headers.items() if key not in _HOP_BY_HOP
    ]
    has_body = (
        request.method not in ("GET", "HEAD", "OPTIONS") or "content-length" in request.headers
    )
    upstream = client.build_request(
        request.method, url, headers=headers, content=request.stream() if has_body else None
    )
    answered = _answered(worker)
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.TimeoutException:
        answered()
        log.warning("function %s did not answer in time", name)
        return JSONResponse(_WORKER_LIMIT, 546)
    except httpx.TransportError as exc:
        answered()
        log.warning("function %s failed: %s", name, exc)
        return JSONResponse(_WORKER_ERROR, 500)

    async def close() -> None:
        answered()
        await answer.aclose()

    response = StreamingResponse(
        _relay(answer, answered), status_code=answer.status_code, background=BackgroundTask(close)
    )
    # raw pairs, so repeated headers (set-cookie) survive; the gateway's server adds its date
    response.raw_headers = [
        (key.lower().encode("latin-1"), value.encode("latin-1"))
        for key, value in answer.headers.multi_items()
        if key.lower() not in _HOP_BY_HOP and key.lower() != "date"
    ]
    return response


def _answered(worker: FunctionWorker) -> Callable[[], None]:
    """Count a request in flight on `worker`; the returned call ends it (once, whoever calls)."""
    worker.in_flight += 1
    done = False

    def answered() -> None:
        nonlocal done
        if not done:
            done = True
            worker.in_flight -= 1

    return answered


async def _relay(answer: httpx.Response, answered: Callable[[], None]) -> AsyncIterator[bytes]:
    # A worker dying mid-body ends the stream; the status line has already gone out.
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    except httpx.TransportError as exc:
        log.warning("function response cut short: %s", exc)
    finally:
        answered()
