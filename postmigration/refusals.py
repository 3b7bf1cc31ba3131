"""An API client's error, said as the refusal it is: which API refused, with which status and
message (the clients' own texts are a Python dict or a multi-line repr)."""

from __future__ import annotations

from postgrest.exceptions import APIError
from storage3.exceptions import StorageApiError


def refusal(exc: BaseException) -> str | None:
    """`exc` in one line of a release manager's words when it is a Data API (PostgREST) or a
    Storage refusal raised by supabase-py; None for any other exception."""
    if isinstance(exc, StorageApiError):
        code = f" {exc.code}" if exc.code and str(exc.code) != str(exc.status) else ""
        return f"Storage refused the request ({exc.status}{code}): {exc.message}"
    if isinstance(exc, APIError):
        message = exc.message or "no message"
        code = f" ({exc.code})" if exc.code else ""
        hint = f"; hint: {exc.hint}" if exc.hint else ""
        return f"the Data API refused the request{code}: {message}{hint}"
    return None
