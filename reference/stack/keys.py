"""The project's keys and tokens, as Supabase makes them.

Legacy: API keys are HS256 JWTs signed with the project's JWT secret, and so are user tokens.
Current: opaque `sb_publishable_…`/`sb_secret_…` API keys, and user tokens signed ES256 with a
key whose public half is served at `/auth/v1/.well-known/jwks.json` (its `kid` in the header).
The JWT secret stays a verification key beside the signing key, as on a project in transition.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

TEN_YEARS = 10 * 365 * 24 * 3600
KeyMode = Literal["legacy", "new", "both"]
KEY_MODES: tuple[KeyMode, ...] = ("legacy", "new", "both")
PUBLISHABLE_PREFIX = "sb_publishable_"
SECRET_PREFIX = "sb_secret_"


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


def _decode_with(key: Any, algorithm: str, token: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            options={"verify_aud": False, "require": []},
            leeway=5,
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("expired") from exc
    except jwt.InvalidSignatureError as exc:
        raise InvalidToken("bad signature") from exc
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed") from exc


def decode(secret: str, token: str) -> dict[str, Any]:
    """Verify an HS256 token and return its claims, or raise InvalidToken."""
    return _decode_with(secret, "HS256", token)


def api_key(secret: str, role: str, ref: str) -> str:
    """A legacy Supabase API key: `{"iss":"supabase","ref":..,"role":..}` valid for ten years."""
    return mint(secret, {"iss": "supabase", "ref": ref, "role": role}, ttl=TEN_YEARS)


def opaque_key(prefix: str) -> str:
    """A current API key: the prefix, 22 random characters, `_` and an 8-character checksum."""
    body = secrets.token_urlsafe(16)
    check = base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest())[:8].decode()
    return f"{prefix}{body}_{check}"


def new_signing_key() -> dict[str, str]:
    """A fresh ES256 (P-256) signing key: its private PEM and a `kid`."""
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {"kid": secrets.token_hex(8), "pem": pem}


def _b64url(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


@dataclass(frozen=True)
class TokenKeys:
    """How this project signs user tokens and which tokens it accepts.

    `signing` (kid, PEM) set: user tokens are ES256 with that kid; HS256 tokens signed with
    the JWT secret stay valid (legacy keys, the gateway's role tokens). Unset: HS256 only.
    """

    jwt_secret: str
    signing_kid: str | None = None
    signing_pem: str | None = None

    def _private(self) -> ec.EllipticCurvePrivateKey:
        assert self.signing_pem is not None
        key = serialization.load_pem_private_key(self.signing_pem.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key

    def mint_session(self, claims: dict[str, Any]) -> str:
        """A user's access token: ES256 with the kid when the project has a signing key."""
        if self.signing_pem is None:
            return jwt.encode(claims, self.jwt_secret, algorithm="HS256")
        return jwt.encode(
            claims, self._private(), algorithm="ES256", headers={"kid": self.signing_kid}
        )

    def decode(self, token: str) -> dict[str, Any]:
        """Verify a token by its header (ES256 with our kid, or HS256), or raise InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed") from exc
        if header.get("alg") == "ES256":
            if self.signing_pem is None or header.get("kid") != self.signing_kid:
                raise InvalidToken("bad signature")
            return _decode_with(self._private().public_key(), "ES256", token)
        return decode(self.jwt_secret, token)

    def jwks(self) -> dict[str, Any]:
        """The JWKS GoTrue serves: the signing key's public half (empty for HS256 only)."""
        if self.signing_pem is None:
            return {"keys": []}
        numbers = self._private().public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "x": _b64url(numbers.x),
                    "y": _b64url(numbers.y),
                    "kid": self.signing_kid,
                    "alg": "ES256",
                    "use": "sig",
                    "key_ops": ["verify"],
                }
            ]
        }
