"""Is an object private? Only Storage's own refusal says so; any other answer is a finding.

Storage answers most refusals with HTTP 400 and the real status in the body
(``{"statusCode": "404", "error": "not_found", "message": "Object not found"}``); a proxy in
front of it may answer a plain 401/403/404. A read without an Authorization header on a route
whose schema requires one (`/object/authenticated/...`) is refused by Storage's request
validation before any token or bucket is looked at: HTTP 400
``{"statusCode": "400", "error": "Error", "message": "headers must have required property
'authorization'"}`` (newer Storage adds ``"code": "InvalidRequest"``, some older releases
``"InternalError"``); that exact answer is a refusal too. A 200 is a leak; a 500, a timeout or
any other answer proves nothing about privacy, so it fails too, naming what came back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from postmigration.redact import excerpt

__all__ = [
    "StorageAnswer",
    "answer_of",
    "answer_of_error",
    "download",
    "privacy_problem",
    "read",
]

# The body statusCodes Storage uses for "not found" and "not allowed".
_REFUSED_STATUSES = {"401", "403", "404"}
# A 400 counts only when it says the caller's token was refused.
_REFUSED_400_CODES = {"InvalidJWT"}
# Storage's answer to a request without the Authorization header its route's schema requires
# (supabase/storage: src/http/schemas/auth.ts, rendered by src/http/error-handler.ts): the
# Fastify validation error's name, message and the codes Storage has put beside it.
_NO_AUTHORIZATION_MESSAGE = "headers must have required property 'authorization'"
_NO_AUTHORIZATION_ERROR = "Error"
_NO_AUTHORIZATION_CODES = {"InvalidRequest", "InternalError"}


@dataclass(frozen=True)
class StorageAnswer:
    """Storage's answer to one read: the HTTP status (None when only the client's error is
    known), the body's statusCode and error code, and its message."""

    http_status: int | None
    status: str
    code: str
    message: str

    def describe(self) -> str:
        """`HTTP 500 (statusCode 500 DatabaseError: database error, code: 22012)` and the like."""
        wire = "no answer" if self.http_status == 0 else f"HTTP {self.http_status}"
        if self.http_status is None:
            wire = "a supabase-py error"
        body = " ".join(p for p in (self.code, self.message) if p)
        detail = f"statusCode {self.status} {body}".strip() if self.status else body
        return f"{wire} ({detail})" if detail else wire


def answer_of(response: httpx.Response) -> StorageAnswer:
    """The answer as it came over the wire, its JSON error body read when there is one."""
    body: Any = None
    if response.status_code != 200:
        try:
            body = response.json()
        except ValueError:
            body = None
    if not isinstance(body, dict):
        text = "" if response.status_code == 200 else excerpt(response.text.strip(), 120)
        return StorageAnswer(response.status_code, "", "", text)
    code = str(body.get("error") or body.get("code") or "")
    if body.get("code") and body.get("error") and body["code"] != body["error"]:
        code = f"{body['error']}/{body['code']}"
    return StorageAnswer(
        response.status_code, str(body.get("statusCode") or ""), code, str(body.get("message", ""))
    )


def answer_of_error(exc: Exception) -> StorageAnswer:
    """The answer behind a supabase-py (storage3) error: its statusCode, code and message."""
    status = getattr(exc, "status", None)
    if status is None:  # not Storage's answer: a connection error, a timeout...
        return StorageAnswer(0, "", type(exc).__name__, excerpt(str(exc), 120))
    return StorageAnswer(
        None, str(status), str(getattr(exc, "code", "")), str(getattr(exc, "message", ""))
    )


def read(http: httpx.Client, url: str, headers: dict[str, str] | None = None) -> StorageAnswer:
    """GET `url` and return Storage's answer (HTTP 0 when nothing answered)."""
    try:
        return answer_of(http.get(url, headers=headers or {}))
    except httpx.HTTPError as exc:
        return StorageAnswer(0, "", type(exc).__name__, excerpt(str(exc), 120))


def download(files: Any, path: str) -> StorageAnswer:
    """Download `path` with supabase-py (``client.storage.from_(bucket)``) and return the answer:
    200 when the bytes came back, else what its error carries."""
    try:
        files.download(path)
    except Exception as exc:  # storage3.StorageApiError, httpx errors
        return answer_of_error(exc)
    return StorageAnswer(200, "", "", "")


def _refused(answer: StorageAnswer) -> bool:
    if answer.http_status in (401, 403, 404):
        return True
    if answer.http_status not in (400, None):
        return False
    if answer.status in _REFUSED_STATUSES:
        return True
    if answer.status != "400":
        return False
    return bool(_REFUSED_400_CODES & set(answer.code.split("/"))) or _no_authorization(answer)


def _no_authorization(answer: StorageAnswer) -> bool:
    """Storage's own validation refusal of a request that carried no Authorization header:
    its exact message and error name, with no code or one Storage uses for it."""
    if answer.message != _NO_AUTHORIZATION_MESSAGE:
        return False
    error, _, code = answer.code.partition("/")
    return error == _NO_AUTHORIZATION_ERROR and (not code or code in _NO_AUTHORIZATION_CODES)


def privacy_problem(answer: StorageAnswer, where: str, who: str) -> str | None:
    """None when Storage refused `who` the object at `where` as private (its not-found or
    unauthorized answer); else the problem in words: a leak, or an answer that proves nothing."""
    if answer.http_status == 200:
        return f"{where} is readable by {who}"
    if _refused(answer):
        return None
    return (
        f"{where} answered {who} with {answer.describe()}: not Storage's not-found or "
        "unauthorized answer, so it is not shown to be private"
    )
