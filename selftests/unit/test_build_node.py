"""The Node.js that built the app against package.json's engines.node: npm's range rules, the
built manifest's "node" field (never the gate machine's Node), and bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postmigration.build_node import NodeUsed, allowed_node, node_problem, node_used


def test_engines_node_is_read_from_package_json_and_absent_means_none(tmp_path: Path) -> None:
    package_json = tmp_path / "package.json"
    with pytest.raises(ValueError, match="package.json cannot be read"):
        allowed_node(package_json)
    package_json.write_text(json.dumps({"name": "app"}))
    assert allowed_node(package_json) is None
    package_json.write_text(json.dumps({"engines": {"node": " >=20 "}}))
    assert allowed_node(package_json) == ">=20"
    package_json.write_text("{not json")
    with pytest.raises(ValueError, match="package.json is not JSON"):
        allowed_node(package_json)


@pytest.mark.parametrize(
    ("allowed", "version", "allows"),
    [
        (">=20", "v20.11.1", True),
        (">=20", "v18.19.0", False),
        ("^20.11", "v20.20.2", True),
        ("^20.11", "v21.0.0", False),
        ("18 || 20", "v18.19.0", True),
        (">=18 <21", "v22.1.0", False),
        ("20.x", "20.5.0", True),
    ],
)
def test_npm_ranges_decide(allowed: str, version: str, allows: bool) -> None:
    problem = node_problem(allowed, NodeUsed(version, "the manifest"))
    assert (problem is None) is allows, problem
    if not allows:
        assert problem == (
            f"the app was built on Node {version} (the manifest), which package.json's "
            f"engines.node ({allowed}) does not allow: build it on a Node that it allows"
        )


def test_a_bad_range_or_version_is_named() -> None:
    assert node_problem("lts/*", NodeUsed("v20.1.0", "m")) == (
        "package.json's engines.node 'lts/*' is not an npm version range"
    )
    assert "is not a version" in str(node_problem(">=20", NodeUsed("twenty", "m")))


def test_the_manifest_s_node_field_names_the_node_and_nothing_else_does(tmp_path: Path) -> None:
    manifest = tmp_path / "build.json"
    manifest.write_text(json.dumps({"build": "abc1234", "node": "v18.19.0"}))
    assert node_used(manifest) == NodeUsed("v18.19.0", f'the "node" field of {manifest}')
    manifest.write_text(json.dumps({"build": "abc1234"}))
    unknown = node_used(manifest)
    assert unknown.version is None
    assert unknown.source == (
        f"{manifest} does not say which Node built the app (its build can record it: "
        '"node": process.version)'
    )
    assert node_used(tmp_path / "missing.json").version is None
