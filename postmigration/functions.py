"""Edge functions as deployed on a target: which exist, and invoking one with a plain outcome."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest

from postmigration.config import Target
from postmigration.keys import api_headers
from postmigration.redact import excerpt, hide_token_like

# The platform's own refusal of a call that carries no valid project JWT (verify_jwt): the CLI
# says {"msg": "Invalid JWT"}, the hosted gateway {"code": "UNAUTHORIZED_…", "message": "Invalid JWT"}.
_JWT_REFUSAL = re.compile(
    r"invalid jwt|missing authorization header|auth header is not|UNAUTHORIZED_", re.IGNORECASE
)
# What each non-2xx status usually means for an edge function, after "function NAME ".
_MEANINGS = {
    401: "refused the caller ({status}{detail}): its own check rejected the key or token "
    "sent (deployed without verify_jwt, the function checks the caller itself)",
    403: "refused the caller ({status}{detail}): the key or token sent is not allowed to call it",
    404: "is not deployed ({status}{detail})",
    500: "failed with an error ({status}{detail})",
    502: "failed upstream ({status}{detail}): a service it calls refused or could not be reached",
    503: "does not boot ({status}{detail}): it failed to start, e.g. a missing import or a "
    "secret read at start-up",
    504: "timed out ({status}{detail})",
    546: "hit a resource limit ({status}{detail}): it ran out of memory or CPU time",
}
_JWT_REFUSED = (
    "was refused by JWT verification ({status}{detail}): it is deployed with verify_jwt and "
    "the key or token sent is not a valid JWT of this project"
)

if TYPE_CHECKING:
    from supabase import Client
_CODES = {
    "WORKER_ERROR": "crashed ({status} WORKER_ERROR{detail}): it threw an error; see its logs",
    "BOOT_ERROR": "does not boot ({status} BOOT_ERROR{detail}): it failed to start, e.g. a "
    "missing import or a secret read at start-up",
    "WORKER_LIMIT": "hit a resource limit ({status} WORKER_LIMIT{detail}): it ran out of "
    "memory or CPU time",
}
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

    @property
    def message(self) -> str:
        """The error message of the body (``message``, ``msg`` or ``error``), else its start;
        values that look like keys are hidden (the function may echo a provider's key)."""
        if isinstance(self.body, dict):
            for key in ("message", "msg", "error"):
                if self.body.get(key):
                    return excerpt(hide_token_like(str(self.body[key])), 200)
        return excerpt(hide_token_like(" ".join(self.excerpt.split())), 200)

    @property
    def refused_by_jwt_check(self) -> bool:
        """401 from the platform's JWT verification (not from the function's own code)."""
        code = self.body.get("code") if isinstance(self.body, dict) else None
        return self.status == 401 and bool(_JWT_REFUSAL.search(f"{code or ''} {self.message}"))

    def problem(self) -> str | None:
        """Any non-2xx in plain words: the status, the body's message and what it usually
        means (404 not deployed, 401 JWT verification, 500 a crash, 503 a boot failure…);
        None when it answered 2xx."""
        if self.ok:
            return None
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
        meaning = (
            _JWT_REFUSED
            if self.refused_by_jwt_check
            else _CODES.get(str(code)) or _MEANINGS.get(self.status)
        )
        message = self.message
        if meaning is None:
            return f"function {self.name} answered {self.status}: {message or 'no body'}"
        detail = f": {message}" if message and message != code else ""
        return f"function {self.name} " + meaning.format(status=self.status, detail=detail)

    def deployment_problem(self) -> str | None:
        """:meth:`problem`, except a 4xx the function's own code answered (not 404, not the
        JWT check): that answer proves it is deployed and runs; None then."""
        own_answer = (
            400 <= self.status < 500 and self.status != 404 and not self.refused_by_jwt_check
        )
        return None if own_answer else self.problem()


def is_function_call(url: str, name: str) -> bool:
    """Whether a request to `url` calls the edge function `name`: through the API's
    ``/functions/v1/<name>`` (what supabase-js's ``functions.invoke`` calls), or through the
    older per-project host ``https://<ref>.functions.supabase.co/<name>``; a sub-path of the
    function counts, a query string is ignored, and a function whose name only starts the same
    (``<name>-v2``) does not."""
    parts = urlsplit(url)
    if (parts.hostname or "").endswith(".functions.supabase.co"):
        called = parts.path
    else:
        _, api, called = parts.path.partition("/functions/v1/")
        if not api:
            return False
        called = "/" + called
    return called == f"/{name}" or called.startswith(f"/{name}/")


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
        headers = api_headers(target.anon_key or target.public_key, target.service_role_key)
    else:
        headers = api_headers(target.server_key)
    response = http.post(
        f"{target.supabase_url}/functions/v1/{name}", json=body, headers=headers, timeout=30
    )
    try:
        parsed: object = response.json()
    except (json.JSONDecodeError, ValueError):
        parsed = None
    return Invocation(name, response.status_code, excerpt(response.text, 300), parsed)


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
