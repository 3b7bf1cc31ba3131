"""Edge Functions: "Build and deploy each function", "Set secrets", "Smoke test: invoke goal-notifications"."""

from __future__ import annotations

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.functions import invoke, local_functions

pytestmark = [
    pytest.mark.postmigration,
    pytest.mark.edge_functions,
    pytest.mark.item("edge-functions"),
]

DUMMY_BODY = {"dry_run": True}


def test_every_function_is_deployed(
    http: httpx.Client, target: Target, app_profile: AppProfile, evidence: Evidence
) -> None:
    """Each function of the app's functions dir answers on the target (not 404, not a boot error)."""
    names = sorted(set(local_functions(app_profile.functions_dir)) | set(app_profile.functions))
    if not names:
        pytest.fail(
            f"no functions found in {app_profile.functions_dir} (set [app] functions_dir)",
            pytrace=False,
        )
    problems = []
    for name in names:
        outcome = invoke(http, target, name, DUMMY_BODY)
        evidence.text(f"{name} answered", f"{outcome.status} {outcome.excerpt}")
        if outcome.status in (404, 503):
            problems.append(outcome.problem())
    fail_on(problems, "edge functions are not deployed")


def test_smoke_functions_answer_a_dummy_body(
    http: httpx.Client, target: Target, app_profile: AppProfile, evidence: Evidence
) -> None:
    """The playbook's smoke test: each smoke function (goal-notifications) answers a dummy body with 2xx.

    A function missing a secret answers 500 naming it; the failure names the function and the secret.
    """
    problems = []
    for name in app_profile.smoke_functions:
        outcome = invoke(http, target, name, DUMMY_BODY)
        evidence.text(f"{name} smoke call", f"{outcome.status} {outcome.excerpt}")
        problems.append(outcome.problem())
    fail_on([p for p in problems if p], "the edge-function smoke test failed")
