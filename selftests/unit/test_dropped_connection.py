"""A kept-alive connection the server closes just as the suite reuses it: the request goes
again on a new connection, as a browser's would; anything else the server drops stays an error.

A real server on a real socket (no mock transport): it answers the first request of every
connection and, like a server whose keep-alive timer fired while the next request was on its
way, closes the connection on the second without a word. uvicorn's and httpx's idle limits
are both 5 s, so the stand-in and any 5-s server meet this race now and then (CI41's flake:
"Server disconnected without sending a response" in app-deploy).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import pytest

from postmigration.trust import http_client

_OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok"


@dataclass
class _Server:
    """How many connections were opened, and every request line it read."""

    url: str
    connections: int = 0
    requests: list[str] = field(default_factory=list)


def _read_request(conn: socket.socket) -> str | None:
    """One request's line, its headers and a Content-Length body read off `conn`; None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        (
            int(line.split(":", 1)[1])
            for line in lines
            if line.lower().startswith("content-length:")
        ),
        0,
    )
    while len(body) < length:
        body += conn.recv(65536)
    return lines[0]


@contextmanager
def _server(answers_per_connection: int, last_words: bytes = b"") -> Iterator[_Server]:
    """A server that answers `answers_per_connection` requests on each connection, then reads
    the next one, sends `last_words` (by default nothing) and closes the connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    server = _Server(f"http://127.0.0.1:{listener.getsockname()[1]}")

    def serve(conn: socket.socket) -> None:
        with conn:
            for _ in range(answers_per_connection):
                line = _read_request(conn)
                if line is None:
                    return
                server.requests.append(line)
                conn.sendall(_OK)
            line = _read_request(conn)
            if line is not None:
                server.requests.append(line)
                conn.sendall(last_words)

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            server.connections += 1
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server
    finally:
        listener.close()


def test_a_request_dropped_on_a_reused_connection_goes_again_on_a_new_one() -> None:
    """GET then POST (a JSON body) on a connection the server closes unanswered: each is sent
    again once on a new connection and answered; the caller never sees the drop."""
    with _server(answers_per_connection=1) as server, http_client(timeout=5) as client:
        assert client.get(f"{server.url}/first").status_code == 200
        again = client.get(f"{server.url}/second")
        assert again.status_code == 200, f"the dropped GET was not sent again: {again}"
        posted = client.post(f"{server.url}/third", json={"email": "a@example.com"})
        assert posted.status_code == 200, f"the dropped POST was not sent again: {posted}"
    assert server.requests == [
        "GET /first HTTP/1.1",
        "GET /second HTTP/1.1",
        "GET /second HTTP/1.1",
        "POST /third HTTP/1.1",
        "POST /third HTTP/1.1",
    ], f"the server did not see each dropped request exactly twice: {server.requests}"
    assert server.connections == 3, f"{server.connections} connections, expected 3"


def test_a_new_connection_closed_without_an_answer_is_an_error() -> None:
    """A server that drops a request on a connection opened for it is failing, not racing a
    keep-alive timer: the request is sent once and the error reaches the caller."""
    with (
        _server(answers_per_connection=0) as server,
        http_client(timeout=5) as client,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        client.post(f"{server.url}/once", json={})
    assert server.requests == ["POST /once HTTP/1.1"], f"sent again: {server.requests}"


def test_an_answer_cut_short_is_an_error() -> None:
    """The server began to answer, so it read the request: it is not sent again."""
    cut = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok"
    with (
        _server(answers_per_connection=1, last_words=cut) as server,
        http_client(timeout=5) as client,
    ):
        client.get(f"{server.url}/first")
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{server.url}/cut")
    assert server.requests.count("GET /cut HTTP/1.1") == 1, f"sent again: {server.requests}"


def test_a_streamed_body_is_never_sent_twice() -> None:
    """A body read from a generator cannot be replayed: the drop reaches the caller."""
    with _server(answers_per_connection=1) as server, http_client(timeout=5) as client:
        client.get(f"{server.url}/first")
        # The server closes with the chunked body unread: the client meets a FIN or a reset.
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
            client.post(f"{server.url}/upload", content=iter([b"part one", b"part two"]))
    assert server.requests.count("POST /upload HTTP/1.1") == 1, f"sent again: {server.requests}"
