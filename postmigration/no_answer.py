"""A request the target never answered, said in a release manager's words.

A test that meets a network error it does not handle itself fails with httpx's class name and
message (``httpx.RemoteProtocolError: Server disconnected without sending a response.``), which
names neither the server nor the request. :func:`no_answer` says which request got no answer
and why; query values are left out (links carry tokens).
"""

from __future__ import annotations

import re

import httpx

from postmigration.links import shown

__all__ = ["no_answer", "system_reason"]

_ERRNO = re.compile(r"^\[Errno -?\d+\]\s*")

_TIMEOUTS = {
    httpx.ConnectTimeout: "the server did not accept a connection in time",
    httpx.ReadTimeout: "the server did not answer in time",
    httpx.WriteTimeout: "the request could not be sent in time",
    httpx.PoolTimeout: "the suite had no free connection in time",
}


def system_reason(text: str) -> str:
    """``[Errno 111] Connection refused`` -> ``connection refused`` ("no answer" when empty)."""
    return _ERRNO.sub("", text).strip().lower() or "no answer"


def _what_happened(exc: httpx.TransportError) -> str:
    for kind, words in _TIMEOUTS.items():
        if isinstance(exc, kind):
            return words
    if isinstance(exc, httpx.ConnectError):
        return f"the server could not be reached ({system_reason(str(exc))})"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "the server closed the connection before a complete answer"
    return f"{type(exc).__name__}: {exc}"


def no_answer(exc: BaseException) -> str | None:
    """``exc`` as ``no answer to POST https://api.example.com/auth/v1/admin/generate_link: the
    server closed the connection before a complete answer`` when it is a network error of
    httpx with its request known; None for anything else."""
    if not isinstance(exc, httpx.TransportError):
        return None
    try:
        request = exc.request
    except RuntimeError:  # raised outside a client: no request attached
        return None
    url = str(request.url)
    return f"no answer to {request.method} {shown(url)}: {_what_happened(exc)}"
