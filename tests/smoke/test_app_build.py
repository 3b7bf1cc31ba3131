"""The site serves the expected build: a deploy that kept the previous build is caught; and the
build ran on a Node.js its package.json allows ("node -v # ensure version from package.json
engines if defined")."""

from __future__ import annotations

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.applicability import not_applicable
from postmigration.build import expected_build, manifest_age, same_build, served_build
from postmigration.build_node import allowed_node, node_problem, node_used
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.session import RunConfig

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("app-build")]


def test_site_serves_the_expected_build(
    pm_config: RunConfig,
    target: Target,
    app_profile: AppProfile,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """The build id the site serves at the app profile's build route (default /build.json)
    equals the expected one: app_build, else the build field of the app's built manifest in
    app_repo (default dist/build.json), which must then be HEAD's build: a manifest built from
    an earlier commit, the files its build reads (all but [app] not_built) changed since,
    fails. A commit matches its short form."""
    expected = expected_build(target.app_build, pm_config.app_repo, app_profile.build_manifest)
    if isinstance(expected, str):
        pytest.skip(expected)
    url = target.require("site_url").rstrip("/") + app_profile.routes["build"]
    served = served_build(http, url)
    problems = []
    evidence.text(
        "builds", f"expected: {expected.id} (from {expected.source})\nserved at {url}: {served.id}"
    )
    if served.problem:
        problems.append(f"cannot tell which build the site serves: {served.problem}")
    elif served.id is not None and not same_build(expected.id, served.id):
        problems.append(
            f"the site serves build {served.id}, not the expected build {expected.id} "
            f"(from {expected.source}): a stale deploy"
        )
    if not target.app_build and pm_config.app_repo is not None:
        age = manifest_age(
            pm_config.app_repo, expected.id, app_profile.build_manifest, app_profile.not_built
        )
        evidence.text("built manifest", age.seen)
        problems += [age.problem] if age.problem else []
    if problems:
        also = f" (also: {'; '.join(problems[1:])})" if problems[1:] else ""
        pytest.fail(problems[0] + also, pytrace=False)


def test_the_app_was_built_on_a_node_its_package_json_allows(
    pm_config: RunConfig, app_profile: AppProfile, evidence: Evidence
) -> None:
    """Pre-cutover, where the app is built: the Node.js that built it (the built manifest's
    "node" field) is one that package.json's engines.node in app_repo allows (npm's range
    rules). Not applicable in other phases or when package.json defines no engines.node; not
    verified without app_repo, without its package.json, or when the manifest does not say
    which Node built."""
    if pm_config.phase != "pre-cutover":
        not_applicable(
            f"the build's Node is checked before the switch, where the app is built (this run: "
            f"{pm_config.phase})"
        )
    repo = pm_config.app_repo
    if repo is None:
        pytest.skip(
            "not verified: the app's package.json engines need app_repo (the app's checkout)"
        )
    package_json = repo / "package.json"
    if not package_json.is_file():
        pytest.skip(f"not verified: {package_json} does not exist (is app_repo the app's root?)")
    try:
        allowed = allowed_node(package_json)
    except ValueError as exc:
        pytest.fail(f"cannot read the Node the app allows: {exc}", pytrace=False)
    if allowed is None:
        not_applicable(f"{package_json} defines no engines.node: any Node builds it")
    used = node_used(repo / app_profile.build_manifest)
    evidence.text(
        "Node", f"allowed: {allowed} (package.json engines.node)\nused: {used.version} "
        f"({used.source})"
    )  # fmt: skip
    if used.version is None:
        pytest.skip(f"not verified: {used.source}")
    problem = node_problem(allowed, used)
    if problem:
        pytest.fail(problem, pytrace=False)
