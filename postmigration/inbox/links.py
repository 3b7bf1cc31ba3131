"""Links inside a message, and whether they point at the new site (never at an old origin)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from postmigration.evidence import Evidence
from postmigration.links import follow, shown
from postmigration.origins import origin_of
from postmigration.redact import looks_like_token

__all__ = [
    "invite_link_problems",
    "link_problems",
    "link_tokens",
    "links_in",
    "origin_of",
    "site_links",
]

_URL = re.compile(r"""https?://[^\s"'<>)]+""")


def links_in(text: str) -> list[str]:
    """Every http(s) URL in a text or HTML body, unescaped, in order, without repeats."""
    found: list[str] = []
    for match in _URL.finditer(html.unescape(text)):
        url = match.group().rstrip(".,;")
        if url not in found:
            found.append(url)
    return found


def link_tokens(text: str) -> list[str]:
    """The tokens the links of a message carry: every path segment, query value and fragment
    value that looks like a token (an invite's ``/invites/<token>``, a ``?token=``), in order.
    A message to a test account is a credential of that account: these are secrets."""
    found: list[str] = []
    for url in links_in(text):
        parts = urlsplit(url)
        values = [unquote(segment) for segment in parts.path.split("/")]
        for part in (parts.query, parts.fragment):
            values += [value for _, value in parse_qsl(part, keep_blank_values=True)]
        found += [v for v in values if looks_like_token(v) and v not in found]
    return found


def link_problems(
    links: Iterable[str], site_url: str, old_origins: Iterable[str], *, what: str
) -> list[str]:
    """Links at an old origin; and no link at all to the site. Other origins (a CDN logo) pass.
    Links are named without their query values (they carry tokens)."""
    site = origin_of(site_url)
    old = {origin_of(o) for o in old_origins if o} - {site}
    listed = list(links)
    problems = [
        f"{what} links to the OLD server: {shown(url)} (SITE_URL or stored URLs still point there)"
        for url in listed
        if origin_of(url) in old
    ]
    if not any(origin_of(url) == site for url in listed):
        found = ", ".join(map(shown, listed[:3])) or "no links at all"
        problems.append(f"{what} has no link to the site {site_url} (it has {found})")
    return problems


def site_links(text: str, site_url: str) -> list[str]:
    """The links of a message body that lead to the site (the invite link), in order."""
    site = origin_of(site_url)
    return [url for url in links_in(text) if origin_of(url) == site]


def invite_link_problems(
    body: str,
    site_url: str,
    old_origins: Iterable[str],
    *,
    what: str,
    http: httpx.Client,
    evidence: Evidence | None = None,
) -> list[str]:
    """:func:`link_problems`, and each link to the site, followed redirect by redirect
    (:func:`postmigration.links.follow`), must end in a 200 without passing an old origin.

    The hops of each link go to `evidence`. A 200 only says the site answered: a single-page
    app answers any path so; opening the link in the browser proves the screen.
    """
    olds = list(old_origins)
    problems = link_problems(links_in(body), site_url, olds, what=what)
    for url in site_links(body, site_url):
        followed = follow(url, http, olds, what=f"{what}'s link")
        if evidence is not None:
            evidence.text(f"hops of {what}'s link", followed.journey())
        if followed.problem:
            problems.append(followed.problem)
        elif followed.status != 200:
            problems.append(f"{what}'s link {shown(url)} does not open ({followed.status})")
    return problems
