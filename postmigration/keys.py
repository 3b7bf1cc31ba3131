"""Supabase's two kinds of API keys, and how each must be sent.

Legacy keys (``anon_key``, ``service_role_key``) are JWTs and go both in ``apikey`` and as the
Bearer token. Current keys (``sb_publishable_…``, ``sb_secret_…``) are opaque: they go in
``apikey`` only, and as a Bearer token only when it equals the ``apikey`` (Supabase's gateway
refuses anything else); a user's session token is the Bearer beside them.

``check_key`` refuses a key of the wrong kind in a setting before anything is sent, so a secret
key never reaches a public endpoint by a slip of configuration.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Literal

from postmigration.errors import ConfigError

__all__ = [
    "KeyKind",
    "WrongKeyError",
    "api_headers",
    "check_key",
    "is_current_key",
    "jwt_role",
]

KeyKind = Literal["legacy", "new", "both", "mixed"]
PUBLISHABLE = re.compile(r"sb_publishable_[A-Za-z0-9_-]{10,}")
SECRET = re.compile(r"sb_secret_[A-Za-z0-9_-]{10,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

# setting -> (what it must hold, in the user's words; the role a legacy JWT there must carry)
_EXPECTED = {
    "publishable_key": "a publishable key (sb_publishable_…)",
    "secret_key": "a secret key (sb_secret_…)",
    "anon_key": "the legacy anon key (a JWT with role anon)",
    "service_role_key": "the legacy service_role key (a JWT with role service_role)",
}
_LEGACY_ROLE = {"anon_key": "anon", "service_role_key": "service_role"}


class WrongKeyError(ConfigError):
    """A key setting holds a key of another kind (e.g. the secret key as the publishable one)."""


def is_current_key(key: str) -> bool:
    """Whether ``key`` is one of the current opaque keys (``sb_…``), not a JWT."""
    return key.startswith("sb_")


def jwt_role(token: str) -> str | None:
    """The unverified ``role`` claim of a JWT, or None when it is not a readable JWT."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    role = claims.get("role") if isinstance(claims, dict) else None
    return role if isinstance(role, str) else None


def _kind_of(key: str) -> str:
    if SECRET.fullmatch(key):
        return "a secret key (sb_secret_…)"
    if PUBLISHABLE.fullmatch(key):
        return "a publishable key (sb_publishable_…)"
    if _JWT.fullmatch(key):
        role = jwt_role(key)
        return f"a legacy JWT key with role {role}" if role else "a JWT without a role"
    return "neither a publishable/secret key nor a JWT"


def check_key(target: str, setting: str, key: str, env_name: str) -> str:
    """Return ``key`` when it is the kind ``setting`` expects; else WrongKeyError naming the
    setting, what it holds and what was expected (never the value itself).

    The current keys must have their exact shape. A legacy setting is refused when it holds a
    current key or a JWT of another role; other values are left to the server to judge.
    """
    if setting in ("publishable_key", "secret_key"):
        pattern = PUBLISHABLE if setting == "publishable_key" else SECRET
        good = pattern.fullmatch(key) is not None
    else:
        role = jwt_role(key) if _JWT.fullmatch(key) else None
        good = not is_current_key(key) and role in (None, _LEGACY_ROLE[setting])
    if good:
        return key
    raise WrongKeyError(
        f"target {target!r}: {setting} holds {_kind_of(key)}; expected {_EXPECTED[setting]} "
        f"(fix {env_name} or {setting} in [targets.{target}])"
    )


def api_headers(key: str, token: str | None = None) -> dict[str, str]:
    """The headers Supabase expects with ``key``: ``apikey``, and the Bearer a user's ``token``
    when given, else the key itself (a current key may be the Bearer only as the apikey's twin,
    which Supabase's gateway then turns into its role's token)."""
    return {"apikey": key, "Authorization": f"Bearer {token or key}"}
