"""The playbook's app-deploy step without stacks: the app's repository with its upstream, the
build each site serves, the Node it was built on, and its four faults, read back with the suite's own git readers."""

from __future__ import annotations

import json
from pathlib import Path

from postmigration.repo import upstream_of, work_tree_changes
from reference.playbook.app_deploy import (
    DEPLOYED_MANIFEST,
    MANIFEST,
    Deployed,
    deploy_app,
    node_version,
)
from reference.playbook.faults import fault_named

OLD_URL, NEW_URL = "http://127.0.0.1:1111", "http://127.0.0.1:2222"


def _deploy(tmp_path: Path, fault: str | None = None) -> tuple[Deployed, Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(parents=True)
    new.mkdir()
    return deploy_app(tmp_path, (old, OLD_URL), (new, NEW_URL), fault_named(fault)), old, new


def _served(stack: Path) -> str:
    return str(json.loads((stack / DEPLOYED_MANIFEST).read_text())["build"])


def test_clean_deploy_pushes_the_release_and_serves_its_build(tmp_path: Path) -> None:
    """Clean: the work tree is clean, HEAD is origin/main, the built manifest names HEAD, new
    serves that build and old the one before it."""
    deployed, old, new = _deploy(tmp_path)
    upstream = upstream_of(deployed.repo)
    assert work_tree_changes(deployed.repo) == []
    assert (upstream.branch, upstream.upstream, upstream.problem) == ("main", "origin/main", None)
    built = json.loads((deployed.repo / MANIFEST).read_text())["build"]
    assert built == upstream.head == deployed.built == _served(new)
    assert _served(old) != built
    assert (deployed.repo / ".env.production").read_text() == f"SUPABASE_URL={NEW_URL}\n"
    assert json.loads((deployed.repo / MANIFEST).read_text()).get("node") == node_version()


def test_faults_leave_a_dirty_work_tree_or_the_previous_build_on_new(tmp_path: Path) -> None:
    """dirty-repo: .env.production modified, not committed; stale-build: new serves old's build;
    release-not-built: the release is HEAD, pushed, but the manifest and new name old's build;
    built-on-old-node: the manifest says the release was built on Node 18."""
    dirty, _, _ = _deploy(tmp_path / "dirty", "dirty-repo")
    assert work_tree_changes(dirty.repo) == [".env.production modified"]
    stale, old, new = _deploy(tmp_path / "stale", "stale-build")
    assert _served(new) == _served(old) != stale.built
    assert "NOT the release build" in stale.summary()
    assert work_tree_changes(stale.repo) == []
    unbuilt, old, new = _deploy(tmp_path / "unbuilt", "release-not-built")
    manifest = json.loads((unbuilt.repo / MANIFEST).read_text())["build"]
    assert manifest == _served(new) == _served(old) != unbuilt.built
    assert upstream_of(unbuilt.repo).head == unbuilt.built
    assert work_tree_changes(unbuilt.repo) == []
    old_node, _, _ = _deploy(tmp_path / "old-node", "built-on-old-node")
    assert json.loads((old_node.repo / MANIFEST).read_text())["node"] == "v18.19.0"
