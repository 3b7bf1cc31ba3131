"""How a project signs its users' tokens, and whether the tokens verify as clients verify them.

Legacy projects sign HS256 with the JWT secret (only Auth can check such a token). Current
projects sign ES256 or RS256 with a key named by the token's ``kid`` and publish the public half
at ``/auth/v1/.well-known/jwks.json``, where supabase-js's ``getClaims()`` and any server fetch
it. Two projects never share a signing key: a session of the old one means nothing to the new.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from postmigration.config import Account, Target
from postmigration.keys import api_headers

__all__ = [
    "SessionCarry",
    "SigningCheck",
    "check_signing",
    "check_user_token",
    "jwks_url",
    "old_sessions_survive",
]

ASYMMETRIC = ("ES256", "RS256")


def jwks_url(target: Target) -> str:
    """Where the target publishes its signing keys."""
    return f"{target.supabase_url}/auth/v1/.well-known/jwks.json"


@dataclass(frozen=True)
class SigningCheck:
    """What was found about a user token's signature, and what is wrong, in plain words."""

    summary: str
    problems: list[str] = field(default_factory=list)


def _jwks(http: httpx.Client, target: Target) -> tuple[dict[str, Any] | None, str]:
    url = jwks_url(target)
    try:
        response = http.get(url, headers={"apikey": target.public_key})
    except httpx.HTTPError as exc:
        return None, f"{url} cannot be read ({exc})"
    if response.status_code != 200:
        return None, f"{url} answered {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return None, f"{url} is not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
        return None, f"{url} is not a JWKS (no keys list)"
    return body, f"{url}: {len(body['keys'])} key(s)"


def check_user_token(http: httpx.Client, target: Target, token: str) -> SigningCheck:
    """Verify ``token`` the way a client would: through the JWKS for ES256/RS256 (kid published,
    the key's algorithm the token's, the signature good), through Auth for HS256."""
    header = jwt.get_unverified_header(token)
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ASYMMETRIC:
        answer = http.get(
            f"{target.supabase_url}/auth/v1/user", headers=api_headers(target.public_key, token)
        )
        summary = f"{alg} (the project's JWT secret): Auth's /user answered {answer.status_code}"
        problems = [] if answer.status_code == 200 else [f"Auth refuses its own token: {summary}"]
        return SigningCheck(summary, problems)
    jwks, where = _jwks(http, target)
    if jwks is None:
        return SigningCheck(
            f"{alg} kid={kid}; {where}",
            [
                f"{where}: the JWKS is not served, so supabase-js's getClaims() and every"
                f" server verifying {alg} user tokens cannot check them"
            ],
        )
    published = {key.get("kid"): key for key in jwks["keys"] if isinstance(key, dict)}
    summary = f"{alg} kid={kid}; {where} ({', '.join(map(str, published)) or 'none'})"
    key = published.get(kid)
    if key is None:
        return SigningCheck(summary, [f"the signing key kid={kid} is not published in {where}"])
    if key.get("alg") not in (None, alg):
        return SigningCheck(
            summary, [f"the token says {alg} but the published key kid={kid} says {key['alg']}"]
        )
    try:
        jwt.decode(
            token,
            jwt.PyJWK(key, algorithm=alg).key,
            algorithms=[alg],
            options={"verify_aud": False},
        )
    except jwt.PyJWTError as exc:
        return SigningCheck(summary, [f"the token does not verify with kid={kid}: {exc}"])
    return SigningCheck(summary + "; verified")


def _password_sign_in(http: httpx.Client, target: Target, account: Account) -> httpx.Response:
    """Auth's answer to ``account``'s email and password on ``target`` (its public key sent)."""
    return http.post(
        f"{target.supabase_url}/auth/v1/token",
        params={"grant_type": "password"},
        headers=api_headers(target.public_key),
        json={"email": account.email, "password": account.password},
    )


def check_signing(http: httpx.Client, target: Target, account: Account) -> SigningCheck:
    """Sign ``account`` in on ``target`` and verify its fresh token as clients do (see
    ``check_user_token``), then end that session. A sign-in that fails is a problem too: no
    token, nothing verified."""
    try:
        signed = _password_sign_in(http, target, account)
    except httpx.HTTPError as exc:
        answer = str(exc) or type(exc).__name__
    else:
        answer = "" if signed.status_code == 200 else str(signed.status_code)
    if answer:
        summary = f"the {account.role} account could not sign in ({answer})"
        return SigningCheck(summary, [f"{summary}: no token of {target.name} could be checked"])
    token = str(signed.json()["access_token"])
    try:
        return check_user_token(http, target, token)
    except httpx.HTTPError as exc:
        return SigningCheck(f"{jwks_url(target)}: {exc}", [f"{jwks_url(target)} cannot be read"])
    finally:
        # The session expires by itself if this fails; nothing the gate says depends on it.
        with contextlib.suppress(httpx.HTTPError):
            http.post(
                f"{target.supabase_url}/auth/v1/logout",
                params={"scope": "local"},
                headers=api_headers(target.public_key, token),
            )


@dataclass(frozen=True)
class SessionCarry:
    """Whether a session of the old project is valid on the new one; a warning when not."""

    summary: str
    warning: str | None = None


def old_sessions_survive(
    http: httpx.Client, old: Target, new: Target, account: Account
) -> SessionCarry:
    """Sign ``account`` in on ``old``, show its token to ``new``'s Auth, end that session on old.

    Refused means old and new sign with different keys or secrets: every session issued before
    cutover ends, and users have to sign in again (expected when a project moves; not a failure).
    """
    try:
        signed = _password_sign_in(http, old, account)
    except httpx.HTTPError as exc:
        # Informational only: an unreachable old is the comparison items' to report.
        return SessionCarry(
            f"{old.name} at {old.supabase_url} cannot be reached ({exc}): not compared"
        )
    if signed.status_code != 200:
        return SessionCarry(f"could not sign in on {old.name} ({signed.status_code}): not compared")
    token = str(signed.json()["access_token"])
    try:
        shown = http.get(
            f"{new.supabase_url}/auth/v1/user", headers=api_headers(new.public_key, token)
        )
    finally:
        http.post(
            f"{old.supabase_url}/auth/v1/logout",
            params={"scope": "local"},
            headers=api_headers(old.public_key, token),
        )
    alg = jwt.get_unverified_header(token).get("alg")
    if shown.status_code == 200:
        return SessionCarry(f"a {alg} session token of {old.name} is accepted by {new.name}")
    return SessionCarry(
        f"a {alg} session token of {old.name} is refused by {new.name} ({shown.status_code})",
        f"{old.name} and {new.name} sign user tokens with different keys: every existing"
        " session ends at cutover, so users will have to sign in again",
    )
