"""An API client's error, said as the refusal it is: which API refused, with which status and
message (the clients' own texts are a Python dict or a multi-line repr); and `attempt()`, which
hands a test the refusal as a value, so tests need not import the client's error classes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
DATA_API = "the Data API"


@dataclass(frozen=True)
class Refused:
    """A refusal by the Data API (PostgREST) or Auth, as a test reads it: its code (PostgREST's
    SQLSTATE or Auth's error code, "" when none was sent), the server's message, the HTTP
    status when the client kept it (Auth does; PostgREST's error does not), and PostgREST's
    hint."""

    api: str
    code: str
    message: str
    status: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        code = f" ({self.code})" if self.code else ""
        hint = f"; hint: {self.hint}" if self.hint else ""
        return f"{self.api} refused the request{code}: {self.message}{hint}"


def as_refused(exc: BaseException) -> Refused | None:
    """`exc` as a :class:`Refused` when supabase-py raised it for a Data API or Auth refusal;
    None for anything else (its error classes are looked up only once supabase-py is loaded)."""
    postgrest_errors = sys.modules.get("postgrest.exceptions")
    if postgrest_errors is not None and isinstance(exc, postgrest_errors.APIError):
        return Refused(
            DATA_API,
            str(exc.code or ""),
            str(exc.message or "no message"),
            hint=str(exc.hint or ""),
        )
    auth_errors = sys.modules.get("supabase_auth.errors")
    if auth_errors is not None and isinstance(exc, auth_errors.AuthApiError):
        return Refused("Auth", str(exc.code or ""), str(exc.message), int(exc.status))
    return None


def attempt(call: Callable[[], T]) -> T | Refused:
    """`call()`'s result, or the :class:`Refused` the Data API or Auth answered instead; any
    other error propagates. Lets a test branch on the refusal without importing the client's
    error classes."""
    try:
        return call()
    except Exception as exc:
        refusal_ = as_refused(exc)
        if refusal_ is None:
            raise
        return refusal_


def refusal(exc: BaseException) -> str | None:
    """`exc` in one line of a release manager's words when it is a Data API (PostgREST) or a
    Storage refusal raised by supabase-py; None for any other exception (a client never
    imported raised none: the plugin does not import supabase-py before its first client)."""
    storage_errors = sys.modules.get("storage3.exceptions")
    if storage_errors is not None and isinstance(exc, storage_errors.StorageApiError):
        gateway = _gateway_message(exc.message)
        if gateway is not None:  # the API gateway answered before Storage did (a key refused)
            return f"the API gateway refused the Storage request ({exc.status}): {gateway}"
        code = f" {exc.code}" if exc.code and str(exc.code) != str(exc.status) else ""
        return f"Storage refused the request ({exc.status}{code}): {exc.message}"
    refused = as_refused(exc)
    return str(refused) if refused is not None and refused.api == DATA_API else None


# storage3's text when the body is not Storage's error shape (the gateway's {"message", "hint"}).
_UNPARSED = "Unable to parse error message: "


def _gateway_message(message: str) -> str | None:
    """The gateway's own message inside storage3's "Unable to parse" text, if that is what it is."""
    if not message.startswith(_UNPARSED):
        return None
    try:
        body = json.loads(message.removeprefix(_UNPARSED))
    except ValueError:
        return None
    return str(body.get("message")) if isinstance(body, dict) and body.get("message") else None
