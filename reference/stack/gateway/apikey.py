"""Supabase's API gateway rule: /rest/v1 and /auth/v1 need one of the project's API keys.

Legacy keys are JWTs and pass through as they are. A current key (`sb_publishable_…`,
`sb_secret_…`) is opaque: the gateway turns it into a short-lived JWT of its role (`anon`,
`service_role`) in `Authorization`, so PostgREST, Storage and GoTrue downstream see a role
token, as Supabase's API gateway does. As a Bearer token a current key is accepted only when
it equals the `apikey` header; a secret key sent from a browser is refused; with the legacy
keys disabled (`--keys=new`) a legacy key is refused with Supabase's own words; a key revoked
in the dashboard (`gateway.json`'s `revoked_keys`) is refused as an invalid one.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from ..keys import mint
from ..settings import StackSettings

GUARDED_PREFIXES = ("/rest/v1", "/auth/v1")
# Storage checks the JWT itself, but a current key must still become a role token for it.
TRANSLATED_PREFIXES = (*GUARDED_PREFIXES, "/storage/v1")
OPEN_PATHS = (
    "/auth/v1/verify",
    "/auth/v1/callback",
    "/auth/v1/health",
    "/auth/v1/.well-known/jwks.json",
)
ROLE_TOKEN_TTL = 300

INVALID_KEY = {
    "message": "Invalid API key",
    "hint": "Double check your Supabase `anon` or `service_role` API key.",
}
LEGACY_DISABLED = {
    "message": "Legacy API keys are disabled",
    "hint": "Your legacy API keys (anon, service_role) were disabled. Re-enable them in the"
    " Supabase dashboard, or use the new publishable and secret API keys.",
}
SECRET_IN_BROWSER = {
    "message": "Forbidden use of secret API key in browser",
    "hint": "Secret API keys can only be used in a protected environment and should never be"
    " used in a browser. Use the publishable key instead.",
}
BEARER_NOT_APIKEY = {
    "message": "Invalid API key",
    "hint": "A publishable or secret API key is not a JWT: send it in the `apikey` header,"
    " and as a Bearer token only when it equals the `apikey` header.",
}


class ApiKeyGate:
    """Reject requests without a valid `apikey` (header or query) as Supabase's gateway does,
    and hand a current key's role to the services behind it as a JWT."""

    def __init__(self, app: ASGIApp, settings: StackSettings) -> None:
        self.app = app
        self.settings = settings
        self.legacy = settings.legacy_keys
        self.current = settings.new_keys
        self._role_tokens: dict[str, tuple[str, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not path.startswith(TRANSLATED_PREFIXES) or path.startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        guarded = path.startswith(GUARDED_PREFIXES)
        key = _header(scope, b"apikey") or _query_apikey(scope)
        if key is None:
            if guarded:
                await _reject(
                    send,
                    {
                        "message": "No API key found in request",
                        "hint": "No `apikey` request header or url param was found.",
                    },
                )
                return
            await self.app(scope, receive, send)
            return
        if key in self.settings.revoked_keys():
            await _reject(send, INVALID_KEY)
            return
        if key in self.current:
            refusal = self._current_key_refusal(scope, key)
            if refusal is not None:
                await _reject(send, refusal)
                return
            scope = self._with_role_token(scope, key)
        elif key in self.legacy and not self.settings.legacy_keys_enabled:
            await _reject(send, LEGACY_DISABLED)
            return
        elif guarded and key not in self.legacy:
            await _reject(send, INVALID_KEY)
            return
        await self.app(scope, receive, send)

    def _current_key_refusal(self, scope: Scope, key: str) -> dict[str, str] | None:
        if (
            self.current[key] == "service_role"
            and "mozilla" in (_header(scope, b"user-agent") or "").lower()
        ):
            return SECRET_IN_BROWSER
        bearer = _bearer(scope)
        if bearer is not None and bearer.startswith("sb_") and bearer != key:
            return BEARER_NOT_APIKEY
        return None

    def _role_token(self, role: str) -> str:
        token, expires = self._role_tokens.get(role, ("", 0.0))
        if time.monotonic() > expires:
            token = mint(
                self.settings.jwt_secret, {"iss": "supabase", "role": role}, ttl=ROLE_TOKEN_TTL
            )
            self._role_tokens[role] = (token, time.monotonic() + ROLE_TOKEN_TTL / 2)
        return token

    def _with_role_token(self, scope: Scope, key: str) -> Scope:
        """The request with `Authorization: Bearer <role JWT>` unless it carries a user's JWT."""
        bearer = _bearer(scope)
        if bearer is not None and bearer != key:
            return scope  # a user's session token: it speaks for itself
        headers = [(k, v) for k, v in scope.get("headers", []) if k != b"authorization"]
        token = self._role_token(self.current[key])
        headers.append((b"authorization", f"Bearer {token}".encode("latin-1")))
        return {**scope, "headers": headers}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def _bearer(scope: Scope) -> str | None:
    scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _query_apikey(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("apikey")
    return values[0] if values else None


async def _reject(send: Send, body: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
