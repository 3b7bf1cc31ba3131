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
    """Each function of the app's functions dir runs on the target: a dummy body as the service
    role gets a 2xx, or a 4xx from the function's own code (e.g. "sign in first": the service
    role is no user). A 404, the platform's JWT refusal (401), a crash (500), a boot error
    (503) or any other 5xx fails, naming the status and what it usually means."""
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
        problems.append(outcome.deployment_problem())
    fail_on([p for p in problems if p], "edge functions are not deployed or do not run")


def test_smoke_functions_answer_a_dummy_body(
    http: httpx.Client, target: Target, app_profile: AppProfile, evidence: Evidence
) -> None:
    """The playbook's smoke test: each smoke function (goal-notifications) answers a dummy body
    with 2xx. Any other status fails, naming it and what it usually means (401: JWT
    verification; 500: a crash, with the body's message; 503: a boot error…); a function
    missing a secret answers 500 naming it, and the failure names the function and the secret.
    """
    if not app_profile.smoke_functions:
        pytest.skip("not verified: [app] smoke_functions is empty, so no function is smoke-tested")
    problems = []
    for name in app_profile.smoke_functions:
        outcome = invoke(http, target, name, DUMMY_BODY)
        evidence.text(f"{name} smoke call", f"{outcome.status} {outcome.excerpt}")
        problems.append(outcome.problem())
    fail_on([p for p in problems if p], "the edge-function smoke test failed")
