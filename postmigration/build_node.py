"""The Node.js the app was built on, against its package.json's ``engines.node``.

The playbook's App deploy runs ``node -v # ensure version from package.json engines if
defined`` before ``npm ci`` and ``npm run build:prod``. The version that built is read from the
built manifest's ``node`` field (``{"build": ..., "node": "v20.11.1"}``, written by the build),
else from ``node -v`` on the machine running the gate (the build's own machine when the gate
runs in the job that built, as in CI), and matched with npm's range rules (``>=20``,
``^20.11``, ``18 || 20``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import semantic_version

__all__ = ["NodeUsed", "allowed_node", "node_problem", "node_used"]


@dataclass(frozen=True)
class NodeUsed:
    """The Node.js version that built the app (None when unknown), and where it was read."""

    version: str | None
    source: str


def allowed_node(app_repo: Path) -> str | None:
    """package.json's ``engines.node`` in ``app_repo`` (None when there is no package.json or it
    defines none); ValueError with one line when package.json is not JSON."""
    path = app_repo / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(errors="replace"))
    except ValueError:
        raise ValueError(f"{path} is not JSON") from None
    engines = data.get("engines") if isinstance(data, dict) else None
    node = engines.get("node") if isinstance(engines, dict) else None
    return node.strip() if isinstance(node, str) and node.strip() else None


def node_used(manifest: Path) -> NodeUsed:
    """The version the built ``manifest`` names in its ``node`` field, else ``node -v`` here."""
    try:
        data = json.loads(manifest.read_text(errors="replace"))
    except (OSError, ValueError):
        data = None
    named = data.get("node") if isinstance(data, dict) else None
    if isinstance(named, str) and named.strip():
        return NodeUsed(named.strip(), f'the "node" field of {manifest}')
    here = shutil.which("node")
    if here is None:
        return NodeUsed(None, f'{manifest} has no "node" field and node is not installed here')
    try:
        done = subprocess.run([here, "-v"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return NodeUsed(None, f"`node -v` failed here: {exc}")
    version = done.stdout.strip() if done.returncode == 0 else ""
    return NodeUsed(
        version or None,
        f'`node -v` on this machine ({here}; {manifest} has no "node" field): the build\'s '
        "Node only when the gate runs where the app was built",
    )


def node_problem(allowed: str, used: NodeUsed) -> str | None:
    """Why ``used`` is not a Node ``allowed`` (an npm range) permits, in words; None when it is."""
    try:
        spec = semantic_version.NpmSpec(allowed)
    except ValueError:
        return f"package.json's engines.node {allowed!r} is not an npm version range"
    if used.version is None:
        return f"which Node built the app is unknown ({used.source})"
    try:
        version = semantic_version.Version.coerce(used.version.lstrip("vV"))
    except ValueError:
        return f"the Node that built the app, {used.version!r} ({used.source}), is not a version"
    if spec.match(version):
        return None
    return (
        f"the app was built on Node {used.version} ({used.source}), which package.json's "
        f"engines.node ({allowed}) does not allow: build it on a Node that it allows"
    )
