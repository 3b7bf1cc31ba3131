"""Auth's own words in the body of an answer it refused with (GoTrue's error JSON)."""

from __future__ import annotations

import json

from postmigration.redact import excerpt

__all__ = ["auth_words"]


def auth_words(body: str, limit: int = 160) -> str:
    """The message of an Auth error body (``msg``, ``message`` or ``error_description``),
    scrubbed and cut to `limit`; a body that is not Auth's JSON (a proxy's page, a JSON string
    or list) gives its own start instead, so a refusal is always named in one line."""
    try:
        detail = json.loads(body)
    except ValueError:
        return excerpt(" ".join(body.split()), limit)
    if not isinstance(detail, dict):
        return excerpt(str(detail), limit)
    found = detail.get("msg") or detail.get("message") or detail.get("error_description")
    return excerpt(str(found or detail), limit)
