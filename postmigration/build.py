"""The app's build: which one the site must serve, and which one it serves.

The expected build is ``app_build`` of the target (a build id or a commit), else the ``build``
field of the app's built manifest in its repository (the app profile's ``build_manifest``,
default ``dist/build.json``). The site exposes what it serves at the app profile's ``build``
route (default ``/build.json``), a JSON object with a ``build`` field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["ExpectedBuild", "ServedBuild", "expected_build", "same_build", "served_build"]

_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class ExpectedBuild:
    """The build the site must serve, and where that was read."""

    id: str
    source: str


def expected_build(
    app_build: str | None, app_repo: Path | None, manifest: str
) -> ExpectedBuild | str:
    """The expected build, or why there is none (for a not-verified reason)."""
    if app_build:
        return ExpectedBuild(app_build.strip(), "app_build")
    if app_repo is None:
        return "no expected build: set app_build (a build id or commit), or app_repo with its built manifest"
    path = app_repo / manifest
    if not path.is_file():
        return f"no expected build: {path} does not exist (build the app, or set app_build)"
    found = _build_field(path.read_text(errors="replace"))
    if found is None:
        return f'no expected build: {path} has no "build" field (set app_build)'
    return ExpectedBuild(found, str(path))


@dataclass(frozen=True)
class ServedBuild:
    """What the site answered at its build route: the build id, or the problem in words."""

    url: str
    id: str | None
    problem: str | None = None


def served_build(client: httpx.Client, url: str) -> ServedBuild:
    """The build id the site serves at ``url`` (a JSON object with a ``build`` field)."""
    try:
        answer = client.get(url, headers={"cache-control": "no-cache"})
    except httpx.HTTPError as exc:
        return ServedBuild(url, None, f"{url} did not answer ({type(exc).__name__}: {exc})")
    if answer.status_code != 200:
        return ServedBuild(url, None, f"{url} answered {answer.status_code}: no build id served")
    found = _build_field(answer.text)
    if found is None:
        kind = answer.headers.get("content-type", "no content type")
        return ServedBuild(
            url, None, f'{url} serves no build id (a {kind} answer without a "build" field)'
        )
    return ServedBuild(url, found)


def same_build(expected: str, served: str) -> bool:
    """Equal ids, or the same commit written short and long (at least 7 hex digits)."""
    a, b = expected.strip().lower(), served.strip().lower()
    if a == b:
        return True
    return bool(_COMMIT.match(a) and _COMMIT.match(b)) and (a.startswith(b) or b.startswith(a))


def _build_field(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    value = data.get("build") if isinstance(data, dict) else None
    return str(value).strip() if isinstance(value, str | int) and str(value).strip() else None
