"""The stand-in's distance (`--latency-ms`) and its auth switch, on a tiny ASGI app."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from reference.stack.gateway.latency import Latency
from reference.stack.gateway.switches import AuthSwitch, SiteNames
from reference.stack.settings import StackSettings


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


APP = Starlette(routes=[Route("/{path:path}", _ok)])


def test_every_answer_waits_the_latency() -> None:
    """With 60 ms, each request (API path or site page) takes at least 60 ms and still answers."""
    client = TestClient(Latency(APP, latency_ms=60))
    for path in ("/rest/v1/courses", "/", "/auth/v1/health"):
        started = time.perf_counter()
        response = client.get(path)
        assert time.perf_counter() - started >= 0.06, path
        assert response.text == "ok"


class _Switches:
    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes

    def gateway_routes(self) -> dict[str, Any]:
        return self.routes


def test_auth_switch_takes_only_auth_down(tmp_path: Path) -> None:
    """`serve_auth: false` answers 503 on /auth/v1 only; without it, auth answers again."""
    switches = _Switches({"serve_auth": False})
    client = TestClient(AuthSwitch(APP, settings=cast(StackSettings, switches)))
    assert client.get("/auth/v1/health").status_code == 503
    assert client.get("/rest/v1/").status_code == 200
    assert client.get("/").status_code == 200
    switches.routes = {}
    assert client.get("/auth/v1/health").status_code == 200


def test_the_switches_follow_gateway_json_as_it_changes(tmp_path: Path) -> None:
    """gateway.json is read again whenever it changed (asked on every request, so it is cached
    between changes): absent is all on, a write takes effect, a removal turns it all on again."""
    settings = StackSettings(tmp_path, *("unused",) * 9)
    assert settings.gateway_routes() == {} and settings.revoked_keys() == frozenset()
    switches = tmp_path / "gateway.json"
    switches.write_text('{"revoked_keys": ["sb_secret_a"]}')
    assert settings.revoked_keys() == {"sb_secret_a"}
    switches.write_text('{"revoked_keys": ["sb_secret_a", "sb_secret_b"], "serve_auth": false}')
    assert settings.revoked_keys() == {"sb_secret_a", "sb_secret_b"}
    assert settings.gateway_routes()["serve_auth"] is False
    switches.unlink()
    assert settings.gateway_routes() == {}


class _Names:
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def site_names(self) -> frozenset[str]:
        return frozenset(self.names)


def test_a_name_not_added_to_the_site_finds_no_site() -> None:
    """A Host that is not one of the site's domains answers 404 naming it; this machine's
    addresses and the added names (any case, any port) are served."""
    names = _Names({"app.lms.test"})
    client = TestClient(SiteNames(APP, settings=cast(StackSettings, names)))
    for host in ("127.0.0.1:8000", "localhost", "[::1]:8000", "APP.lms.test:8000"):
        assert client.get("/", headers={"Host": host}).text == "ok", host
    refused = client.get("/", headers={"Host": "other.lms.test:8000"})
    assert refused.status_code == 404
    assert refused.text == "Site not found: other.lms.test is not a domain of this deployment"
    names.names = set()
    assert client.get("/", headers={"Host": "app.lms.test"}).status_code == 404
