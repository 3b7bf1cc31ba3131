"""Edge functions as deployed on a target: which exist, and invoking one with a plain outcome."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from supabase import Client

from postmigration.config import Target
from postmigration.keys import api_headers

NOT_DEPLOYED = (404,)
BOOT_FAILED = (503,)
# Supabase's answer when a function verifying JWTs is called with a current (sb_) API key.
INVALID_JWT_FORMAT = "UNAUTHORIZED_INVALID_JWT_FORMAT"


def local_functions(functions_dir: Path) -> list[str]:
    """Function names in the app's functions dir (`supabase/functions/<name>/index.ts`)."""
    if not functions_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in functions_dir.iterdir()
        if p.is_dir() and not p.name.startswith(("_", ".")) and any(p.glob("index.*"))
    )


@dataclass(frozen=True)
class Invocation:
    """What a function answered: status, a short excerpt of the body, and its JSON if any."""

    name: str
    status: int
    excerpt: str
    body: object

    @property
    def ok(self) -> bool:
        """2xx."""
        return 200 <= self.status < 300

    def problem(self) -> str | None:
        """The outcome in plain words, or None when it answered 2xx."""
        if self.ok:
            return None
        if self.status in NOT_DEPLOYED:
            return f"function {self.name} is not deployed (404: {self.excerpt})"
        if self.status in BOOT_FAILED:
            return f"function {self.name} does not boot (503: {self.excerpt})"
        code = self.body.get("code") if isinstance(self.body, dict) else None
        if code == INVALID_JWT_FORMAT:
            return (
                f"function {self.name} refuses the new API keys ({INVALID_JWT_FORMAT}): it verifies"
                " JWTs and sb_ keys are not JWTs; turn off its JWT verification (verify_jwt ="
                " false, or deploy --no-verify-jwt) and check the caller inside it"
            )
        missing = self.body.get("missing_secrets") if isinstance(self.body, dict) else None
        if missing:
            return f"function {self.name} is missing secret(s) {', '.join(map(str, missing))} ({self.status})"
        return f"function {self.name} answered {self.status}: {self.excerpt}"


def invoke(
    http: httpx.Client, target: Target, name: str, body: object, *, token: str | None = None
) -> Invocation:
    """POST `body` to /functions/v1/<name> as a user (`token`) or the service role.

    As the service role it sends the legacy service_role JWT when the target has one (what a
    function verifying JWTs accepts), else the secret key in `apikey` and as its twin Bearer,
    which only a function deployed without JWT verification accepts.
    """
    if token is not None:
        headers = api_headers(target.public_key, token)
    elif target.service_role_key:
        headers = {
            "apikey": target.anon_key or target.public_key,
            "Authorization": f"Bearer {target.service_role_key}",
        }
    else:
        headers = api_headers(target.server_key)
    response = http.post(
        f"{target.supabase_url}/functions/v1/{name}", json=body, headers=headers, timeout=30
    )
    try:
        parsed: object = response.json()
    except (json.JSONDecodeError, ValueError):
        parsed = None
    return Invocation(name, response.status_code, response.text[:300], parsed)


def invoke_as(
    http: httpx.Client, target: Target, name: str, body: object, client: Client
) -> Invocation:
    """POST `body` to /functions/v1/<name> with `client`'s session token, as the app does.

    A client without a session fails the test: quietly calling as the service role instead
    would prove nothing about what a user can do.
    """
    session = client.auth.get_session()
    if session is None:
        pytest.fail(f"cannot call {name} as a user: the client is not signed in", pytrace=False)
    return invoke(http, target, name, body, token=session.access_token)


def weight_report(http: httpx.Client, target: Target, client: Client, name: str) -> dict[str, Any]:
    """The signed-in account's weight report from the function `name`; fails in plain words."""
    answer = invoke_as(http, target, name, {}, client)
    if answer.problem() or not isinstance(answer.body, dict):
        pytest.fail(
            f"the weight report failed: {answer.problem() or answer.excerpt}", pytrace=False
        )
    return answer.body
