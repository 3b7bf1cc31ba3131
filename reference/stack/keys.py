"""The project's JWTs: HS256 with the per-stack secret, as Supabase signs its keys and sessions."""

from __future__ import annotations

import time
from typing import Any

import jwt

TEN_YEARS = 10 * 365 * 24 * 3600


class InvalidToken(Exception):
    """A JWT that is malformed, badly signed or expired; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def mint(secret: str, claims: dict[str, Any], ttl: int | None = None) -> str:
    """Sign `claims` (adding iat, and exp when `ttl` is given) with HS256."""
    now = int(time.time())
    body = {"iat": now, **claims}
    if ttl is not None:
        body["exp"] = now + ttl
    return jwt.encode(body, secret, algorithm="HS256")


def decode(secret: str, token: str) -> dict[str, Any]:
    """Verify an HS256 token and return its claims, or raise InvalidToken."""
    try:
        return jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"verify_aud": False, "require": []},
            leeway=5,
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("bad signature") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc


def api_key(secret: str, role: str, ref: str) -> str:
    """A legacy Supabase API key: `{"iss":"supabase","ref":..,"role":..}` valid for ten years."""
    return mint(secret, {"iss": "supabase", "ref": ref, "role": role}, ttl=TEN_YEARS)
