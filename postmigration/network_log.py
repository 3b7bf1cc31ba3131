"""What a browser context asked for and what it got, for a failing browser test's evidence.

The Playwright trace the suite keeps on failure records each action, its call log and the
console; only with DOM snapshots (``--trace-snapshots``) does it also record the network, and
those cost about 3 s of CPU per run. This log is the cheap part of that: one line per request
the context's pages made, ``METHOD STATUS URL`` or ``METHOD failed (why) URL``, in order.

URLs are shown without their query values and fragment (they carry tokens and filters) and
with every path segment that looks like a token (an invite's ``/invites/<token>``) hidden; a
row or user id (a UUID) stays, it names what was asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from postmigration.links import shown
from postmigration.redact import HIDDEN, looks_like_token

__all__ = ["NetworkLog", "shown_path"]

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Enough for a page's whole story; a page that polls keeps its first and last requests.
_KEEP_FIRST = 150
_KEEP_LAST = 150


def shown_path(url: str) -> str:
    """`url` as the log shows it: no query values or fragment, token-like path segments
    (not UUIDs) replaced by ``[hidden]``. ``data:`` and ``blob:`` URLs are named by scheme."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("data", "blob"):
        return f"{scheme}:…"
    parts = urlsplit(shown(url))
    segments = [
        HIDDEN if looks_like_token(unquote(s)) and not _UUID.fullmatch(s) else s
        for s in parts.path.split("/")
    ]
    return parts._replace(path="/".join(segments)).geturl()


@dataclass
class NetworkLog:
    """The requests of one browser context (all its pages), answered or failed, in order."""

    lines: list[str] = field(default_factory=list)
    dropped: int = 0
    errors: int = 0

    def record(self, context: Any) -> NetworkLog:
        """Start recording `context`'s requests; returns this log."""
        context.on("response", self._answered)
        context.on("requestfailed", self._failed)
        return self

    def _keep(self, line: str) -> None:
        if len(self.lines) >= _KEEP_FIRST + _KEEP_LAST:
            del self.lines[_KEEP_FIRST]
            self.dropped += 1
        self.lines.append(line)

    def _answered(self, response: Any) -> None:
        status = int(response.status)
        if status >= 400:
            self.errors += 1
        self._keep(f"{response.request.method} {status} {shown_path(response.url)}")

    def _failed(self, request: Any) -> None:
        self.errors += 1
        why = request.failure or "no answer"
        self._keep(f"{request.method} failed ({why}) {shown_path(request.url)}")

    def text(self) -> str:
        """The log as evidence: a headline counting requests and errors, then one line each."""
        total = len(self.lines) + self.dropped
        head = f"{total} request(s), {self.errors} failed or answered 4xx/5xx"
        body = list(self.lines)
        if self.dropped:
            body.insert(_KEEP_FIRST, f"… {self.dropped} request(s) in between not shown")
        return "\n".join([head, *body])
