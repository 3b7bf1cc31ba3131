"""A request the target never answered reads as the request and what the server did, from the
errors httpx raises against real sockets (a closed port, a server that never answers)."""

from __future__ import annotations

import socket

import httpx
import pytest

from postmigration.no_answer import no_answer
from postmigration.trust import http_client


def _raised(url: str, timeout: float = 5.0) -> httpx.TransportError:
    with http_client(timeout=timeout) as client, pytest.raises(httpx.TransportError) as raised:
        client.get(url)
    return raised.value


def test_a_closed_port_is_said_as_unreachable() -> None:
    """Nothing listens: the request, then "could not be reached" with the system's reason."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    said = no_answer(_raised(f"http://127.0.0.1:{port}/rest/v1/courses?select=id"))
    assert said is not None, "a refused connection was not recognised"
    assert said.startswith(
        f"no answer to GET http://127.0.0.1:{port}/rest/v1/courses?select=…: the server could"
        " not be reached ("
    ), said
    assert said.endswith("(connection refused)"), said


def test_a_server_that_never_answers_is_said_as_a_timeout() -> None:
    """The connection is accepted, nothing comes back: "did not answer in time"."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/auth/v1/health"
        said = no_answer(_raised(url, timeout=0.3))
    assert said == f"no answer to GET {url}: the server did not answer in time", said


def test_other_errors_are_left_alone() -> None:
    """Not a network error of a request: None, and the plugin keeps the error's own text."""
    assert no_answer(ValueError("not a network error")) is None
    assert no_answer(httpx.ConnectError("no request attached")) is None
