"""The site serves the expected build: a deploy that kept the previous build is caught."""

from __future__ import annotations

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.build import expected_build, same_build, served_build
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
    app_repo (default dist/build.json). A commit matches its short form."""
    expected = expected_build(target.app_build, pm_config.app_repo, app_profile.build_manifest)
    if isinstance(expected, str):
        pytest.skip(expected)
    url = target.require("site_url").rstrip("/") + app_profile.routes["build"]
    served = served_build(http, url)
    evidence.text(
        "builds", f"expected: {expected.id} (from {expected.source})\nserved at {url}: {served.id}"
    )
    if served.problem:
        pytest.fail(f"cannot tell which build the site serves: {served.problem}", pytrace=False)
    assert served.id is not None
    if not same_build(expected.id, served.id):
        pytest.fail(
            f"the site serves build {served.id}, not the expected build {expected.id} "
            f"(from {expected.source}): a stale deploy",
            pytrace=False,
        )
