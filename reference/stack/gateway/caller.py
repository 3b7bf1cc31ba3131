"""Who is calling: the bearer token (or the apikey standing in for it) and its verified claims."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from ..keys import InvalidToken
from ..settings import StackSettings


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer …`, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def request_token(request: Request) -> str | None:
    """The caller's JWT: the bearer token, else the apikey (Supabase's gateway copies it over)."""
    return bearer_token(request) or request.headers.get("apikey") or None


def caller_claims(request: Request, settings: StackSettings) -> dict[str, Any]:
    """The verified claims of the caller's JWT; `{"role": "anon"}` when no token was sent.

    Raises InvalidToken for a malformed, badly signed or expired token.
    """
    token = request_token(request)
    if token is None:
        return {"role": "anon"}
    return settings.tokens.decode(token)


__all__ = ["InvalidToken", "bearer_token", "caller_claims", "request_token"]
