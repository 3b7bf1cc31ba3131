"""The site serves the expected build: a deploy that kept the previous build is caught."""

from __future__ import annotations

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.build import expected_build, manifest_age, same_build, served_build
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
