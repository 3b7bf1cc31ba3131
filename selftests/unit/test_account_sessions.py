"""When a sign-in may be shared (by a run's API client, browser contexts and xdist workers),
and which Auth session a token response belongs to."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx
import pytest

from postmigration import account_sessions
from postmigration.account_sessions import (
    SHARED_FOR,
    AccountSessions,
    end_run_sessions,
    session_id_of,
    shareable,
)
from postmigration.config import Account, Accounts, Target


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
    from postmigration.account_sessions import _reason

    def answer(body: str) -> httpx.Response:
        return httpx.Response(502, text=body)

    assert _reason(answer('{"msg": "Invalid login credentials"}')) == "Invalid login credentials"
    assert _reason(answer('{"message": "Error running hook URI"}')) == "Error running hook URI"
    assert _reason(answer('"Bad Gateway"')) == "Bad Gateway"
    assert _reason(answer("<html>upstream down</html>")) == "<html>upstream down</html>"


class _Auth:
    """A stand-in for Auth's password grant and sign-out, counting both (unit tests of the
    sharing logic only; the gate self-tests count real sessions on a real stand-in)."""

    def __init__(self, expires_in: int = 3600) -> None:
        self.expires_in = expires_in
        self.signed_in: list[str] = []
        self.signed_out: list[str] = []

    def sign_in(self, target: object, email: str, password: str) -> dict[str, object]:
        sid = f"s-{len(self.signed_in) + 1}"
        self.signed_in.append(sid)
        token = _token({"session_id": sid, "sub": email})
        return {
            "access_token": token,
            "refresh_token": f"r-{sid}",
            "expires_at": int(time.time()) + self.expires_in,
        }

    def sign_out(self, target: object, session: dict[str, object]) -> None:
        self.signed_out.append(str(session_id_of(session)))


def _worker(auth: _Auth, folder: Path | None, monkeypatch: pytest.MonkeyPatch) -> AccountSessions:
    monkeypatch.setattr(account_sessions, "password_session", auth.sign_in)
    monkeypatch.setattr(account_sessions, "sign_out_session", auth.sign_out)
    target = Target(name="new", supabase_url="http://new.test")
    accounts = Accounts({"user": Account("user", "u@example.test", "pw")}, "test")
    return AccountSessions(target, accounts, "http://app.test", folder)


def test_xdist_workers_share_one_sign_in_which_the_controller_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers of a run: one sign-in for the account, neither worker ends it (the other
    may still use it), the controller's end of the run does, once."""
    auth = _Auth()
    first, second = (_worker(auth, tmp_path, monkeypatch) for _ in range(2))
    assert first.session("user") == second.session("user") == first.session("user")
    assert auth.signed_in == ["s-1"]
    first.end()
    second.end()
    assert auth.signed_out == []
    end_run_sessions(Target(name="new", supabase_url="http://new.test"), tmp_path)
    assert auth.signed_out == ["s-1"]


def test_a_session_too_short_lived_to_share_stays_the_worker_s_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A project whose tokens expire within the run (60 s): nothing is left for the other
    workers, each worker signs in for itself and ends what it opened; the controller has
    nothing to end."""
    auth = _Auth(expires_in=60)
    first, second = (_worker(auth, tmp_path, monkeypatch) for _ in range(2))
    first.session("user")
    second.session("user")
    assert auth.signed_in == ["s-1", "s-2"]
    assert not list(tmp_path.glob("session-*.json"))
    first.end()
    second.end()
    end_run_sessions(Target(name="new", supabase_url="http://new.test"), tmp_path)
    assert sorted(auth.signed_out) == ["s-1", "s-2"]


def test_a_run_alone_signs_in_once_and_ends_it_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """No xdist: one sign-in, shared by the API client and the browser, ended by the run."""
    auth = _Auth()
    alone = _worker(auth, None, monkeypatch)
    state = alone("user")
    assert json.loads(state["origins"][0]["localStorage"][0]["value"]) == alone.session("user")
    assert auth.signed_in == ["s-1"]
    alone.end()
    assert auth.signed_out == ["s-1"]
