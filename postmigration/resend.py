"""Sending a request again when a kept-alive connection was closed under it, as browsers do.

A server closes an idle keep-alive connection when its timer fires (uvicorn and Node after 5 s,
the same 5 s httpx keeps one). A request sent on that connection a moment before gets no answer
at all: ``Server disconnected without sending a response``. The server never read it, so
Chromium and Firefox send it again on a new connection, whatever its method. The suite's clients
do the same, and only then: a connection opened for the request that closes without an answer,
an answer cut short, a timeout and a body that cannot be replayed all reach the caller as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

__all__ = ["ResendingTransport"]

# A dropped kept-alive connection shows as one of these before any answer: the server's FIN
# (RemoteProtocolError), its RST on read (ReadError) or on write (WriteError).
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
# Every connection of the pool could be stale after a pause; after this many drops, give up.
_MAX_RESENDS = 3


class _Attempt:
    """Whether one attempt opened a connection (httpcore's trace says so) or reused one."""

    def __init__(self, request: httpx.Request) -> None:
        self.opened = False
        self._earlier: Callable[[str, dict[str, Any]], None] | None = request.extensions.get(
            "trace"
        )
        request.extensions["trace"] = self._trace

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        if event.startswith(("connection.connect_tcp.", "connection.connect_unix_socket.")):
            self.opened = True
        if self._earlier is not None:
            self._earlier(event, info)

    def restore(self, request: httpx.Request) -> None:
        """Put back the caller's own trace (or none)."""
        if self._earlier is None:
            request.extensions.pop("trace", None)
        else:
            request.extensions["trace"] = self._earlier


def _replayable(request: httpx.Request) -> bool:
    """The body is bytes held in memory (or there is none), so it can be sent again."""
    return isinstance(request.stream, httpx.ByteStream)


class ResendingTransport(httpx.HTTPTransport):
    """httpx's own transport, which sends a request again (up to 3 times) when the kept-alive
    connection it went out on was closed before any answer came back."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """The response; a request dropped unanswered on a reused connection is sent again."""
        for _ in range(_MAX_RESENDS):
            attempt = _Attempt(request)
            try:
                return super().handle_request(request)
            except _DROPPED:
                # Once the headers are in, this returns: a body cut short fails later, unsent.
                if attempt.opened or not _replayable(request):
                    raise
            finally:
                attempt.restore(request)
        return super().handle_request(request)
