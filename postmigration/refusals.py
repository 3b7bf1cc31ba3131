"""An API client's error, said as the refusal it is: which API refused, with which status and
message (the clients' own texts are a Python dict or a multi-line repr)."""

from __future__ import annotations

import json
import sys


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
    postgrest_errors = sys.modules.get("postgrest.exceptions")
    if postgrest_errors is not None and isinstance(exc, postgrest_errors.APIError):
        message = exc.message or "no message"
        code = f" ({exc.code})" if exc.code else ""
        hint = f"; hint: {exc.hint}" if exc.hint else ""
        return f"the Data API refused the request{code}: {message}{hint}"
    return None


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
