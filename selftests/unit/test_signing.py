"""How the gate judges a project's token signing (postmigration/signing.py), against a fake
Supabase on httpx.MockTransport: each way a JWKS can fail a token (not served, kid not
published, another algorithm, another key) is a problem in plain words, a good one verifies;
a session of old refused by new is the "sessions end" warning, one accepted is none."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from postmigration.config import Account, Target
from postmigration.signing import check_signing, check_user_token, old_sessions_survive

NEW = Target(name="new", supabase_url="https://new.test", publishable_key="sb_publishable_n")
OLD = Target(name="old", supabase_url="https://old.test", anon_key="old-anon-jwt")
USER = Account(role="user", email="qa-user@example.com", password="pw-not-shown")
SIGNER = ec.generate_private_key(ec.SECP256R1())
KID = "kid-new-1"


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


def _jwk(key: ec.EllipticCurvePrivateKey, kid: str = KID, alg: str = "ES256") -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": _b64(numbers.x), "y": _b64(numbers.y),
            "kid": kid, "alg": alg, "use": "sig"}  # fmt: skip


def _token(kid: str = KID) -> str:
    return jwt.encode({"sub": "u1", "role": "authenticated"}, SIGNER, "ES256", {"kid": kid})


def _serving(jwks: httpx.Response) -> httpx.Client:
    """A fake new: its JWKS answers `jwks`, sign-in issues an ES256 token, logout is 204."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/jwks.json"):
            return jwks
        if request.url.path == "/auth/v1/token":
            return httpx.Response(200, json={"access_token": _token()})
        if request.url.path == "/auth/v1/logout":
            return httpx.Response(204)
        return httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handler))


def _jwks(*keys: dict[str, str]) -> httpx.Response:
    return httpx.Response(200, json={"keys": list(keys)})


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda: httpx.Response(404), "jwks.json answered 404: the JWKS is not served"),
        (lambda: _jwks(_jwk(SIGNER, kid="kid-rotated-away")), f"kid={KID} is not published"),
        (lambda: _jwks(_jwk(SIGNER, alg="RS256")), f"the token says ES256 but the published key kid={KID} says RS256"),
        (lambda: _jwks(_jwk(ec.generate_private_key(ec.SECP256R1()))), f"the token does not verify with kid={KID}"),
    ],
    ids=["not-served", "kid-not-published", "other-algorithm", "other-key"],
)  # fmt: skip
def test_a_jwks_that_cannot_verify_new_tokens_is_a_problem(
    answer: Callable[[], httpx.Response], words: str
) -> None:
    """The token new issues does not verify against what its JWKS says: a problem naming why."""
    checked = check_signing(_serving(answer()), NEW, USER)
    assert len(checked.problems) == 1 and words in checked.problems[0], checked.problems


def test_a_sign_in_that_fails_is_a_problem_not_a_pass() -> None:
    """No token to check (the account cannot sign in): a problem, never a silent pass."""

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error_code": "invalid_credentials"})

    checked = check_signing(httpx.Client(transport=httpx.MockTransport(refuse)), NEW, USER)
    assert checked.problems == [
        "the user account could not sign in (400): no token of new could be checked"
    ]


def test_a_token_verifying_against_the_published_key_is_no_problem() -> None:
    """The kid published, the key's algorithm the token's, the signature good: verified."""
    checked = check_user_token(_serving(_jwks(_jwk(SIGNER))), NEW, _token())
    assert checked.problems == [] and checked.summary.endswith("; verified"), checked


def _sessions(new_accepts: bool) -> httpx.Client:
    """Old signs the user in (HS256); new's /user accepts that token or refuses it."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "old.test" and request.url.path == "/auth/v1/token":
            token = jwt.encode({"sub": "u1"}, "old-secret-0123456789abcdef0123456789", "HS256")
            return httpx.Response(200, json={"access_token": token})
        if request.url.host == "new.test" and request.url.path == "/auth/v1/user":
            return httpx.Response(200 if new_accepts else 401, json={"msg": "bad_jwt"})
        return httpx.Response(204)

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_old_sessions_refused_by_new_warn_that_sessions_end() -> None:
    """Old and new sign with different keys: the warning that every session ends at cutover."""
    carried = old_sessions_survive(_sessions(new_accepts=False), OLD, NEW, USER)
    assert carried.warning is not None
    assert "every existing session ends at cutover" in carried.warning


def test_old_sessions_accepted_by_new_give_no_warning() -> None:
    """Old and new share the signing secret (a move that kept it): no warning."""
    carried = old_sessions_survive(_sessions(new_accepts=True), OLD, NEW, USER)
    assert carried.warning is None and "is accepted by new" in carried.summary
