"""Following a link as a browser would, one redirect at a time, watching every hop's origin.

A client that follows redirects by itself hides them: a public URL or an invite link that
bounces through the old server still ends in a 200. :func:`follow` sends each request with
redirects off, reads ``Location`` itself, and reports the first hop on an old origin (or a
redirect loop, or a redirect without a ``Location``) in the user's words, naming the hop.
Hops are shown without their query values and fragments: links carry tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

import httpx

from postmigration.origins import origin_of

__all__ = ["MAX_HOPS", "Followed", "Hop", "follow", "shown"]

MAX_HOPS = 8
_REDIRECTS = (301, 302, 303, 307, 308)


def shown(url: str) -> str:
    """A URL as reports show it: query values and fragment left out (they carry tokens)."""
    parts = urlsplit(url)
    query = "&".join(f"{key}=…" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    return parts._replace(query=query, fragment="").geturl()


@dataclass(frozen=True)
class Hop:
    """One request of a link's journey: the URL asked for, the status, and where it sent us
    (its ``Location``, made absolute)."""

    url: str
    status: int
    location: str | None = None

    def __str__(self) -> str:
        moved = f" → {shown(self.location)}" if self.location else ""
        return f"{self.status} {shown(self.url)}{moved}"


@dataclass(frozen=True)
class Followed:
    """Where a link led: every hop, the last response (None when it could not be fetched) and
    the problem with the journey in the user's words (None when it stayed off old origins)."""

    hops: tuple[Hop, ...]
    response: httpx.Response | None
    problem: str | None

    @property
    def status(self) -> int | None:
        """The last hop's status (None when the first request failed)."""
        return self.response.status_code if self.response is not None else None

    @property
    def final_url(self) -> str:
        """The URL the journey ended at."""
        return self.hops[-1].url if self.hops else ""

    def access_tokens(self) -> list[str]:
        """The access tokens the journey handed over in a redirect's fragment
        (``#access_token=…``: a sign-in link signs its account in)."""
        found: list[str] = []
        for hop in self.hops:
            for url in (hop.url, hop.location or ""):
                fragment = dict(parse_qsl(urlsplit(url).fragment))
                token = fragment.get("access_token")
                if token and token not in found:
                    found.append(token)
        return found

    def journey(self) -> str:
        """Every hop on its own line, numbered, for evidence."""
        return "\n".join(
            f"hop {i} of {len(self.hops)}: {hop}" for i, hop in enumerate(self.hops, 1)
        )


def follow(
    url: str,
    client: httpx.Client,
    old_origins: Iterable[str],
    *,
    what: str,
    max_hops: int = MAX_HOPS,
    headers: Mapping[str, str] | None = None,
) -> Followed:
    """GET `url` and each ``Location`` after it (at most `max_hops` requests), redirects off.

    The problem names the first hop on an old origin, e.g. ``the invite link redirects through
    the old origin http://old.example.com (hop 2 of 3: 302 http://old.example.com/invites/…)``;
    a hop that cannot be fetched, a redirect without ``Location`` and a journey longer than
    `max_hops` are problems too. Headers (e.g. ``Range``) go with every hop, as a player's do.
    """
    old = {origin_of(o) or o.rstrip("/").lower() for o in old_origins if o}
    hops: list[Hop] = []
    response: httpx.Response | None = None
    current = urldefrag(url).url  # a fragment never leaves the browser
    for _ in range(max_hops):
        try:
            response = client.get(current, headers=dict(headers or {}), follow_redirects=False)
        except httpx.HTTPError as exc:
            hops.append(Hop(current, 0))
            return Followed(
                tuple(hops), None, f"{what} could not be fetched at {shown(current)}: {exc}"
            )
        raw = response.headers.get("location") if response.status_code in _REDIRECTS else None
        location = urljoin(current, raw) if raw else None
        hops.append(Hop(current, response.status_code, location))
        if location is None:
            if response.status_code in _REDIRECTS:
                problem = (
                    f"{what} answered {response.status_code} at {shown(current)} without a Location"
                )
                return Followed(tuple(hops), response, problem)
            break
        current = urldefrag(location).url
    else:
        problem = f"{what} still redirects after {max_hops} hops (a redirect loop?): {hops[-1]}"
        return Followed(tuple(hops), response, problem)
    return Followed(tuple(hops), response, _old_hop(hops, old, what))


def _old_hop(hops: list[Hop], old: set[str], what: str) -> str | None:
    for index, hop in enumerate(hops, 1):
        origin = origin_of(hop.url)
        if origin in old:
            verb = "points at" if index == 1 else "redirects through"
            return f"{what} {verb} the old origin {origin} (hop {index} of {len(hops)}: {hop})"
    return None
