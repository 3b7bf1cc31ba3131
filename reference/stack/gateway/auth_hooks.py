"""GoTrue's Customize Access Token hook as a Postgres function: Auth calls it for every access
token it issues, with the claims it made, and signs the claims the function returns.

It is switched on in the project's auth settings (`hook_custom_access_token_enabled` and
`hook_custom_access_token_uri` = `pg-functions://postgres/<schema>/<function>`), which the
dashboard's Authentication > Hooks page stores: a dump carries the function, not the switch.
The function runs as `supabase_auth_admin` inside the token's transaction (that role needs
EXECUTE on it and read access to what it reads). An error, or claims missing one Auth needs,
fails the sign-in or refresh with a 500; an `{"error": {...}}` answer fails it with its code.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql
from psycopg.types.json import Jsonb

from .auth_errors import AuthApiError
from .auth_users import fetch_one

__all__ = ["REQUIRED_CLAIMS", "access_token_hook", "customized_claims"]

# The claims GoTrue's output schema requires of the hook.
REQUIRED_CLAIMS = (
    "aud",
    "exp",
    "iat",
    "sub",
    "role",
    "aal",
    "session_id",
    "email",
    "phone",
    "is_anonymous",
)
_URI = re.compile(r"pg-functions://postgres/([A-Za-z_][A-Za-z0-9_$]*)/([A-Za-z_][A-Za-z0-9_$]*)")


def access_token_hook(config: dict[str, Any]) -> tuple[str, str, str] | None:
    """(uri, schema, function) of the enabled access token hook; None when it is off."""
    if not config.get("hook_custom_access_token_enabled"):
        return None
    uri = str(config.get("hook_custom_access_token_uri") or "")
    found = _URI.fullmatch(uri)
    if found is None:
        raise AuthApiError(500, "unexpected_failure", f"Unsupported hook URI: {uri}")
    return uri, found.group(1), found.group(2)


async def customized_claims(
    conn: AsyncConnection,
    hook: tuple[str, str, str],
    user_id: str,
    claims: dict[str, Any],
    method: str,
) -> dict[str, Any]:
    """The claims the hook function returns for this token (see the module's docstring)."""
    uri, schema, function = hook
    event = {"user_id": user_id, "claims": claims, "authentication_method": method}
    call = sql.SQL("select {}.{}(%s::jsonb) as output").format(
        sql.Identifier(schema), sql.Identifier(function)
    )
    try:
        async with conn.transaction():
            await conn.execute("set local role supabase_auth_admin")
            row = await fetch_one(conn, call, (Jsonb(event),))
            await conn.execute("reset role")
    except psycopg.Error as exc:
        raise AuthApiError(
            500, "unexpected_failure", f"Error running hook URI: {uri}: {exc.diag.message_primary}"
        ) from exc
    output = (row or {}).get("output")
    if isinstance(output, dict) and isinstance(output.get("error"), dict):
        error = output["error"]
        status = int(error.get("http_code") or 400)
        raise AuthApiError(status, "unexpected_failure", str(error.get("message") or "hook error"))
    made = output.get("claims") if isinstance(output, dict) else None
    if not isinstance(made, dict) or any(name not in made for name in REQUIRED_CLAIMS):
        raise AuthApiError(
            500,
            "unexpected_failure",
            "output claims do not conform to the expected JSON schema",
        )
    return made
