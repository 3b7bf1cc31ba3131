"""JWTs as Storage sees them: the caller's bearer token and signed-URL tokens.

Storage verifies with `jose`, so its messages are jose's: "signature verification failed",
'"exp" claim timestamp check failed', "Invalid Compact JWS". A bad bearer is AccessDenied
(statusCode "403"); a bad signed-URL token is InvalidJWT (statusCode "400"); a valid token for
another object is InvalidSignature.
"""

from __future__ import annotations

import time
from typing import Any

from ..keys import InvalidToken, decode, mint
from . import storage_errors as errors

SCOPE_DOWNLOAD = "download"
SCOPE_UPLOAD = "upload"
MAX_EXPIRES_IN = 2**53 // 1000  # Storage's bound on a numeric expiresIn

# keys.InvalidToken reasons → the messages Storage's jose verifier gives.
_JOSE_MESSAGES = {
    "expired": '"exp" claim timestamp check failed',
    "bad signature": "signature verification failed",
    "malformed": "Invalid Compact JWS",
}


def jose_message(exc: InvalidToken) -> str:
    """What Storage says about a token that does not verify."""
    return _JOSE_MESSAGES.get(exc.reason, "Invalid Compact JWS")


def expires_in(value: object) -> int:
    """Storage's `expiresIn`: a positive integer of seconds (numeric strings accepted)."""
    if isinstance(value, bool):
        raise errors.invalid_request("body/expiresIn must be integer")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise errors.invalid_request("body/expiresIn must be integer") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise errors.invalid_request("body/expiresIn must be integer")
    if value < 1:
        raise errors.invalid_request("body/expiresIn must be >= 1")
    if value > MAX_EXPIRES_IN:
        raise errors.StorageError(
            400, "InvalidParameter", "InvalidParameter", "Invalid Parameter expiresIn"
        )
    return value


def sign_download(secret: str, bucket: str, name: str, seconds: int) -> str:
    """A signed-URL token for downloading `bucket/name` for `seconds`."""
    return mint(secret, {"url": f"{bucket}/{name}", "scope": SCOPE_DOWNLOAD}, ttl=seconds)


def signed_path(bucket: str, name: str, token: str) -> str:
    """The `signedURL` Storage answers (relative to /storage/v1, object path left unencoded)."""
    return f"/object/sign/{bucket}/{name}?token={token}"


def verify_download(secret: str, token: str, bucket: str, name: str) -> dict[str, Any]:
    """Check a signed-URL token against the object it is used for; return its claims."""
    try:
        claims = decode(secret, token)
    except InvalidToken as exc:
        raise errors.invalid_jwt(jose_message(exc)) from exc
    scope = claims.get("scope")
    is_download = scope == SCOPE_DOWNLOAD or (scope is None and "upsert" not in claims)
    if not is_download:
        raise errors.invalid_signature(f"Token is not scoped for {SCOPE_DOWNLOAD}")
    if claims.get("url") != f"{bucket}/{name}":
        raise errors.invalid_signature()
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp < time.time():
        raise errors.StorageError(
            400, "ExpiredToken", "ExpiredToken", "The provided token has expired."
        )
    return claims
