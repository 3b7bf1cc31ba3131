"""The sign-in sessions of a run's accounts: opened through the Auth API, shared by the run's
API client of the account and its browser contexts only while no context will refresh them,
ended at the end of the run. One password sign-in per account per run (per xdist worker)
where the project's tokens live long enough: Supabase Auth allows 30 sign-ins per IP in a
burst, refilled over five minutes, so every sign-in a run saves is one a rerun can make.

supabase-js refreshes a session on page load when its access token expires within 90 seconds,
then every 30 seconds as expiry nears. A refresh rotates the refresh token: a second context
still holding the old one is answered with the new one once, but after a further rotation
GoTrue takes the old token for a stolen one and revokes the whole session, signing every
context out. So a session is shared only while its access token has more than
:data:`SHARED_FOR` seconds left. On a project whose tokens live shorter than that (its JWT
expiry, ``jwt_exp``), each context gets a session of its own.

When a test's contexts close, the session each one holds last (rotated by the app, perhaps
several times) is learnt, so the end of the run signs out with the session's live tokens.

Under xdist the workers share an account's first session too: the first worker to need it
signs in and leaves it in the run's private folder (see once_per_run.py), the others read it.
Such a session is the run's, not the worker's: a worker may finish while another still uses
it, so the controller signs it out once every worker is down (:func:`end_run_sessions`).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from postmigration.auth_words import auth_words
from postmigration.clients import end_session
from postmigration.config import Accounts, Target
from postmigration.keys import api_headers
from postmigration.once_per_run import once_per_run
from postmigration.redact import learn_secret
from postmigration.trust import trust

__all__ = [
    "SHARED_FOR",
    "AccountSessions",
    "sign_out_session",
    "end_run_sessions",
    "password_session",
    "session_id_of",
    "shareable",
    "supabase_storage_key",
]

# supabase-js's refresh margin (90 s) plus the longest a test keeps a page open, with room.
SHARED_FOR = 300
# An access token this close to expiry is refreshed before it is used to sign out.
_EXPIRY_MARGIN = 30
# The files an account's run-wide session is shared in, in the run's private folder.
_RUN_SESSION = "session-{role}"


def _reason(response: httpx.Response) -> str:
    return auth_words(response.text, 120)


def _token_grant(target: Target, grant: str, body: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{target.supabase_url}/auth/v1/token",
        params={"grant_type": grant},
        headers=api_headers(target.public_key),
        json=body,
        timeout=20,
        verify=trust(),
    )


def _session_of(response: httpx.Response) -> dict[str, Any]:
    session = response.json()
    learn_secret(session.get("refresh_token"))
    session.setdefault("expires_at", int(time.time()) + int(session.get("expires_in", 3600)))
    return session


def password_session(target: Target, email: str, password: str) -> dict[str, Any]:
    """A new session of the account (GoTrue's token response, with ``expires_at``), signed in
    with its password; the test fails naming the account and Auth's answer when refused."""
    response = _token_grant(target, "password", {"email": email, "password": password})
    if response.status_code != 200:
        pytest.fail(
            f"sign-in as {email} failed on {target.name}: "
            f"{response.status_code} {_reason(response)}",
            pytrace=False,
        )
    return _session_of(response)


def shareable(session: dict[str, Any], now: float | None = None) -> bool:
    """Whether another browser context may start from `session`: its access token has more
    than :data:`SHARED_FOR` seconds left, so no context refreshes it while the run uses it."""
    left = float(session.get("expires_at") or 0) - (time.time() if now is None else now)
    return left > SHARED_FOR


def sign_out_session(target: Target, session: dict[str, Any]) -> None:
    """Sign `session` out (this device only). An access token at or near expiry is refreshed
    first (Auth refuses to sign out with an expired one); when a browser context already
    rotated the refresh token once, GoTrue answers with the context's token. A session Auth
    no longer knows, or already revoked, is left as it is."""
    token = str(session.get("access_token") or "")
    if float(session.get("expires_at") or 0) - time.time() < _EXPIRY_MARGIN:
        with contextlib.suppress(httpx.HTTPError, ValueError):  # ValueError: not JSON
            refreshed = _token_grant(
                target, "refresh_token", {"refresh_token": str(session.get("refresh_token"))}
            )
            if refreshed.status_code != 200:
                return  # ended, expired or revoked: nothing left to sign out
            token = str(_session_of(refreshed).get("access_token") or "")
    end_session(target, token)


def supabase_storage_key(supabase_url: str) -> str:
    """Where supabase-js keeps its session in localStorage: ``sb-<first host label>-auth-token``."""
    host = urlsplit(supabase_url).hostname or ""
    return f"sb-{host.split('.')[0]}-auth-token"


def session_id_of(session: Mapping[str, Any]) -> str | None:
    """The Auth session a token response belongs to: its access token's ``session_id`` claim
    (read, not verified: only to tell the run's own sessions apart)."""
    parts = str(session.get("access_token") or "").split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    found = claims.get("session_id") if isinstance(claims, dict) else None
    return str(found) if found else None


class _NotShareable(Exception):
    """A new session too close to expiry to share between the run's workers."""

    def __init__(self, session: dict[str, Any]) -> None:
        super().__init__("not shareable")
        self.session = session


def end_run_sessions(target: Target, folder: Path) -> None:
    """Sign out (see :func:`sign_out_session`) the sessions the run's xdist workers shared
    in `folder`, once every worker is done with them."""
    for path in sorted(folder.glob(_RUN_SESSION.format(role="*") + ".json")):
        try:
            session = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(session, dict):
            sign_out_session(target, session)


class AccountSessions:
    """The run's sign-ins: :meth:`session` is an account's session (shared while
    :func:`shareable`, else a new sign-in), ``sessions("admin")`` the same as a Playwright
    storage_state, :meth:`learn` takes a closing context's storage_state, :meth:`end` signs
    out every one this process owns. With `run_folder` (an xdist worker's shared folder), an
    account's first session is the run's, shared with the other workers."""

    def __init__(
        self, target: Target, accounts: Accounts, site_url: str, run_folder: Path | None = None
    ) -> None:
        self._target = target
        self._accounts = accounts
        self._origin = "{0.scheme}://{0.netloc}".format(urlsplit(site_url))
        self._key = supabase_storage_key(target.supabase_url)
        self._run_folder = run_folder
        self._asked_run: set[str] = set()  # the roles whose run-wide session was asked for
        self._sessions: dict[str, dict[str, Any]] = {}  # owned, by session id (or order)
        self._current: dict[str, dict[str, Any]] = {}

    def _sign_in(self, role: str) -> dict[str, Any]:
        account = self._accounts[role]
        return password_session(self._target, account.email, account.password)

    def _own(self, session: dict[str, Any]) -> dict[str, Any]:
        self._sessions[session_id_of(session) or str(len(self._sessions))] = session
        return session

    def _run_wide(self, role: str) -> dict[str, Any] | None:
        """The run's session of the account (made here if no worker made it yet), or None
        when it is no longer shareable; a new one too short-lived to share is this worker's."""
        if self._run_folder is None or role in self._asked_run:
            return None
        self._asked_run.add(role)

        def make() -> dict[str, Any]:
            session = self._sign_in(role)
            if not shareable(session):
                raise _NotShareable(session)
            return session

        try:
            session = once_per_run(
                self._run_folder, _RUN_SESSION.format(role=role), make, dict, dict
            )
        except _NotShareable as short_lived:
            return self._own(short_lived.session)
        learn_secret(session.get("refresh_token"))
        return session if shareable(session) else None

    def session(self, role: str) -> dict[str, Any]:
        """The account's current session while :func:`shareable`, else the run's (under
        xdist), else a new sign-in; the one given becomes the current one."""
        session = self._current.get(role)
        if session is None or not shareable(session):
            session = self._run_wide(role) or self._own(self._sign_in(role))
            self._current[role] = session
        return session

    def __call__(self, role: str) -> dict[str, Any]:
        entry = {"name": self._key, "value": json.dumps(self.session(role))}
        return {"cookies": [], "origins": [{"origin": self._origin, "localStorage": [entry]}]}

    def learn(self, storage_state: Mapping[str, Any]) -> None:
        """Keep the tokens a context holds last for the run's session it started from (the app
        refreshes it on its own; the tokens handed out may be revoked by then)."""
        for held in self._held(storage_state):
            self.learn_session(held)

    def learn_session(self, held: Mapping[str, Any]) -> None:
        """Keep `held`'s tokens for the session they belong to, if this process ends it: an API
        client refreshes an expired session when asked for it, rotating its refresh token."""
        learn_secret(held.get("refresh_token"))
        ours = self._sessions.get(session_id_of(held) or "")
        if ours is None or not held.get("refresh_token"):
            return  # not ours to end: a run-wide session is the controller's
        for field in ("access_token", "refresh_token", "expires_at"):
            if held.get(field) is not None:
                ours[field] = held[field]

    def _held(self, storage_state: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """The supabase-js sessions a context's storage_state holds under the app's key."""
        for origin in storage_state.get("origins") or []:
            for entry in origin.get("localStorage") or []:
                if entry.get("name") != self._key:
                    continue
                try:
                    held = json.loads(entry.get("value") or "")
                except ValueError:
                    continue
                if isinstance(held, dict):
                    yield held

    def end(self) -> None:
        """Sign out every session this process opened (see sign_out_session); the run's
        shared ones are the controller's to end."""
        for session in self._sessions.values():
            sign_out_session(self._target, session)
