"""The app's build: which one the site must serve, and which one it serves.

The expected build is ``app_build`` of the target (a build id or a commit), else the ``build``
field of the app's built manifest in its repository (the app profile's ``build_manifest``,
default ``dist/build.json``). The site exposes what it serves at the app profile's ``build``
route (default ``/build.json``), a JSON object with a ``build`` field.

A manifest naming a commit of the repository is also held against HEAD: when files the build
reads (all but the app profile's ``not_built`` paths) changed since that commit, the manifest
is left from an earlier build and the release itself was never built.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from postmigration.repo import git_output

__all__ = [
    "ExpectedBuild",
    "ManifestAge",
    "ServedBuild",
    "expected_build",
    "manifest_age",
    "same_build",
    "served_build",
]

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
class ManifestAge:
    """The built manifest against the repository's HEAD: what was seen, and the problem in
    words when the manifest is older than the files its build reads (None when it is not)."""

    seen: str
    problem: str | None = None


def manifest_age(repo: Path, built: str, manifest: str, not_built: tuple[str, ...]) -> ManifestAge:
    """Whether the manifest's build (`built`, a commit of `repo` or not) is HEAD's: the files
    changed between that commit and HEAD, but those matching `not_built` (git pathspecs), make
    it a build of an earlier commit. A build id that is no commit of the repo is not judged."""
    head = git_output(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if not _COMMIT.match(built.lower()):
        return ManifestAge(f"{manifest} names build {built}, not a commit: not compared with HEAD")
    commit = git_output(repo, "rev-parse", "--verify", "--quiet", f"{built}^{{commit}}")
    if head is None or commit is None:
        return ManifestAge(
            f"{manifest} names {built}, not a commit of {repo}"
            f"{'' if head else ' (it has no HEAD)'}: not compared with HEAD"
        )
    if commit == head:
        return ManifestAge(f"{manifest} was built from HEAD {head[:12]}")
    excluded = [f":(exclude){pattern}" for pattern in not_built]
    changed = git_output(repo, "diff", "--name-only", commit, head, "--", ".", *excluded)
    files = (changed or "").splitlines()
    if not files:
        ignored = ", ".join(not_built) or "nothing"
        return ManifestAge(
            f"{manifest} was built from {commit[:12]}; HEAD {head[:12]} changed only files the "
            f"build does not read ({ignored})"
        )
    listed = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
    return ManifestAge(
        f"{manifest} was built from {commit[:12]}; HEAD is {head[:12]}; changed since: {listed}",
        f"{manifest} was built from {commit[:12]}, but HEAD is {head[:12]} and the app changed "
        f"since ({listed}): the release was never built (build it, or set app_build)",
    )


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
