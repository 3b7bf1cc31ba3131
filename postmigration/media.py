"""Stored media as a visitor's browser gets it: public URLs, their bytes, ranges, and origins."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.links import follow, shown
from postmigration.origins import origin_of
from postmigration.storage import error_reason

__all__ = [
    "bucket_explainer",
    "object_of",
    "off_target_problem",
    "public_url_problems",
    "range_problem",
]

_PUBLIC = re.compile(r"/storage/v1/object/public/([^/]+)/(.+)$")


def object_of(url: str) -> tuple[str, str] | None:
    """``(bucket, path)`` of a Storage public URL, or None for any other URL."""
    match = _PUBLIC.search(urlsplit(url).path)
    return (match.group(1), unquote(match.group(2))) if match else None


def _label(url: str) -> str:
    found = object_of(url)
    return f"{found[0]}/{found[1]}" if found else shown(url)


def bucket_explainer(service: Any) -> Callable[[str], str | None]:
    """``explain("avatars")`` -> 'bucket "avatars" is not public' (or missing), else None.

    Storage answers a private bucket's public URL with "Bucket not found"; the bucket's own
    settings, read with the service role, say what is really wrong.
    """

    def explain(bucket: str) -> str | None:
        try:
            found = service.storage.get_bucket(bucket)
        except Exception:
            return f'bucket "{bucket}" does not exist'
        return None if found.public else f'bucket "{bucket}" is not public'

    return explain


def public_url_problems(
    http: httpx.Client,
    url: str,
    *,
    old_origins: Iterable[str],
    content_type: str,
    sha256: str | None = None,
    explain: Callable[[str], str | None] | None = None,
    evidence: Evidence | None = None,
) -> list[str]:
    """The public URL answers 200 without a token, with this content type and these bytes,
    followed redirect by redirect: no hop may be on an old origin (the hops go to `evidence`).

    ``explain(bucket)`` (see :func:`bucket_explainer`) adds the cause to a refused URL.
    """
    what = f"public URL of {_label(url)}"
    followed = follow(url, http, old_origins, what=f"the {what}")
    if evidence is not None:
        evidence.text(f"hops of the {what}", followed.journey())
    response = followed.response
    if followed.problem or response is None:
        return [followed.problem or f"{what} could not be fetched"]
    if response.status_code != 200:
        stored = object_of(url)
        cause = explain(stored[0]) if explain and stored else None
        return [f"{what} returned {response.status_code}: {cause or error_reason(response)}"]
    problems = []
    served = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if served != content_type.lower():
        problems.append(
            f"{what} is served as {served or 'no content type'}, expected {content_type}"
        )
    if sha256 is not None:
        got = hashlib.sha256(response.content).hexdigest()
        if got != sha256:
            problems.append(
                f"{what} serves different bytes than were uploaded "
                f"({len(response.content)} bytes, sha256 {got[:12]}…, expected {sha256[:12]}…)"
            )
    return problems


def range_problem(
    http: httpx.Client,
    url: str,
    *,
    old_origins: Iterable[str],
    first: int = 0,
    last: int = 1023,
    what: str | None = None,
    evidence: Evidence | None = None,
    target: Target | None = None,
) -> str | None:
    """A media URL answers ``Range: bytes=first-last`` with 206 and a Content-Range starting
    at `first` (players seek so), followed redirect by redirect: no hop may be on an old origin
    (the hops go to `evidence`), and with `target` the journey must end on the target. `what`
    names the media in the findings (default: its bucket and path)."""
    what = what or _label(url)
    olds = list(old_origins)
    followed = follow(url, http, olds, what=what, headers={"Range": f"bytes={first}-{last}"})
    if evidence is not None:
        evidence.text(f"hops of {what}", followed.journey())
    response = followed.response
    if followed.problem or response is None:
        return followed.problem or f"{what} could not be fetched"
    if target is not None and len(followed.hops) > 1:
        redirected = off_target_problem(
            followed.final_url, target, olds, what=f"{what}, redirected from {shown(url)},"
        )
        if redirected:
            return redirected
    if response.status_code != 206:
        detail = "" if response.status_code == 200 else f": {error_reason(response)}"
        return (
            f"{what} answered a Range request with {response.status_code}{detail}, expected 206 "
            "(browsers cannot seek or stream it)"
        )
    content_range = response.headers.get("content-range", "")
    if not content_range.startswith(f"bytes {first}-"):
        return f"{what} answered 206 with Content-Range {content_range!r}, expected bytes {first}-…"
    return None


def off_target_problem(
    url: str, target: Target, old_origins: Iterable[str], *, what: str
) -> str | None:
    """A media URL must be served by the target (its Supabase or site origin), never an old one."""
    origin = origin_of(url)
    if origin in {origin_of(o) for o in old_origins}:
        return f"{what} still points at the OLD server: {url}"
    allowed = {origin_of(target.supabase_url)}
    if target.site_url:
        allowed.add(origin_of(target.site_url))
    if origin not in allowed:
        return f"{what} is served from {origin}, not from the target ({target.supabase_url})"
    return None
