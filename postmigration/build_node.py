"""The Node.js the app was built on, against its package.json's ``engines.node``.

The playbook's App deploy runs ``node -v # ensure version from package.json engines if
defined`` before ``npm ci`` and ``npm run build:prod``. The version that built is read from the
built manifest's ``node`` field (``{"build": ..., "node": "v20.11.1"}``, written by the build
with ``process.version``), never guessed from the machine running the gate (a CI gate job need
not be the job that built), and matched with npm's range rules (``>=20``, ``^20.11``,
``18 || 20``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import semantic_version

__all__ = ["NodeUsed", "allowed_node", "node_problem", "node_used"]


@dataclass(frozen=True)
class NodeUsed:
    """The Node.js version that built the app (None when unknown), and where it was read."""

    version: str | None
    source: str


def allowed_node(package_json: Path) -> str | None:
    """``engines.node`` of ``package_json`` (None when it defines none); ValueError with one
    line when the file cannot be read or is not JSON."""
    try:
        data = json.loads(package_json.read_text(errors="replace"))
    except OSError as exc:
        raise ValueError(f"{package_json} cannot be read: {exc.strerror}") from None
    except ValueError:
        raise ValueError(f"{package_json} is not JSON") from None
    engines = data.get("engines") if isinstance(data, dict) else None
    node = engines.get("node") if isinstance(engines, dict) else None
    return node.strip() if isinstance(node, str) and node.strip() else None


def node_used(manifest: Path) -> NodeUsed:
    """The version the built ``manifest`` names in its ``node`` field (None when it names none,
    saying how to record it)."""
    try:
        data = json.loads(manifest.read_text(errors="replace"))
    except (OSError, ValueError):
        data = None
    named = data.get("node") if isinstance(data, dict) else None
    if isinstance(named, str) and named.strip():
        return NodeUsed(named.strip(), f'the "node" field of {manifest}')
    return NodeUsed(
        None,
        f"{manifest} does not say which Node built the app (its build can record it: "
        '"node": process.version)',
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
