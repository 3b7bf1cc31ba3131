"""When a browser sign-in may be shared, and which Auth session a token response belongs to."""

from __future__ import annotations

import base64
import json

import httpx

from postmigration.browser_sessions import SHARED_FOR, session_id_of, shareable


def _token(claims: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJIUzI1NiJ9.{body}.c2ln"


def test_a_session_is_shared_only_while_its_token_has_over_five_minutes_left() -> None:
    assert shareable({"expires_at": 1_000 + SHARED_FOR + 1}, now=1_000)
    assert not shareable({"expires_at": 1_000 + SHARED_FOR}, now=1_000)
    assert not shareable({"expires_at": 1_000 + 15}, now=1_000)  # a 15 s JWT expiry
    assert not shareable({}, now=1_000)


def test_the_session_id_comes_from_the_access_token_claims() -> None:
    assert session_id_of({"access_token": _token({"session_id": "s-1", "sub": "u"})}) == "s-1"
    assert session_id_of({"access_token": _token({"sub": "u"})}) is None
    assert session_id_of({"access_token": "not-a-jwt"}) is None
    assert session_id_of({"access_token": "a.!!!.c"}) is None
    assert session_id_of({}) is None


def test_a_refused_sign_in_names_auth_s_words_whatever_their_shape() -> None:
    """GoTrue's error keys, a proxy's JSON string, and a page that is not JSON, each in a line."""
    from postmigration.browser_sessions import _reason

    def answer(body: str) -> httpx.Response:
        return httpx.Response(502, text=body)

    assert _reason(answer('{"msg": "Invalid login credentials"}')) == "Invalid login credentials"
    assert _reason(answer('{"message": "Error running hook URI"}')) == "Error running hook URI"
    assert _reason(answer('"Bad Gateway"')) == "Bad Gateway"
    assert _reason(answer("<html>upstream down</html>")) == "<html>upstream down</html>"
