"""Links inside a message, and whether they point at the new site (never at an old origin)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

from postmigration.origins import origin_of

__all__ = ["invite_link_problems", "link_problems", "links_in", "origin_of"]

_URL = re.compile(r"""https?://[^\s"'<>)]+""")


def links_in(text: str) -> list[str]:
    """Every http(s) URL in a text or HTML body, unescaped, in order, without repeats."""
    found: list[str] = []
    for match in _URL.finditer(html.unescape(text)):
        url = match.group().rstrip(".,;")
        if url not in found:
            found.append(url)
    return found


def link_problems(
    links: Iterable[str], site_url: str, old_origins: Iterable[str], *, what: str
) -> list[str]:
    """Links at an old origin; and no link at all to the site. Other origins (a CDN logo) pass."""
    site = origin_of(site_url)
    old = {origin_of(o) for o in old_origins if o} - {site}
    listed = list(links)
    problems = [
        f"{what} links to the OLD server: {url} (SITE_URL or stored URLs still point there)"
        for url in listed
        if origin_of(url) in old
    ]
    if not any(origin_of(url) == site for url in listed):
        shown = ", ".join(listed[:3]) or "no links at all"
        problems.append(f"{what} has no link to the site {site_url} (it has {shown})")
    return problems


def invite_link_problems(
    body: str, site_url: str, old_origins: Iterable[str], *, what: str, opens: Callable[[str], int]
) -> list[str]:
    """:func:`link_problems`, and each link to the site must open (``opens(url)`` is its status)."""
    links = links_in(body)
    problems = link_problems(links, site_url, old_origins, what=what)
    site = origin_of(site_url)
    for url in links:
        if origin_of(url) == site:
            status = opens(url)
            if status != 200:
                problems.append(f"{what}'s link {url} does not open ({status})")
    return problems
