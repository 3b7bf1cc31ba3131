"""supabase-py clients per role, shared for the session: anon, service, signed-in accounts.

An account's client holds the run's session of that account (see account_sessions.py), the
one its browser contexts start from: one sign-in per account, not one for the API and one for
the browser. Only the ``login`` item goes through the form.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from postmigration.config import Accounts, Target
from postmigration.keys import api_headers
from postmigration.redact import learn_secret
from postmigration.trust import http_client, trust

if TYPE_CHECKING:
    from supabase import Client

    from postmigration.account_sessions import AccountSessions

__all__ = [
    "anon_client",
    "hand_back_session",
    "http",
    "service_client",
    "session_client",
    "signed_in",
    "supabase_client",
]

_TIMEOUT_S = 20


def supabase_client(target: Target, key: str) -> Client:
    """A supabase-py client on ``target`` with ``key``; no background token refresh.

    supabase-py is imported here, at the first client, not with the plugin: an xdist
    controller seldom needs it, and a worker's start-up is CPU its tests could use (a worker
    loads it while it waits for the controller: see warm_up.py)."""
    from supabase import ClientOptions, create_client

    # One httpx client with the timeout: supabase-py deprecates per-service timeouts.
    options = ClientOptions(
        auto_refresh_token=False,
        persist_session=False,
        httpx_client=http_client(timeout=_TIMEOUT_S),
    )
    return create_client(target.supabase_url, key, options)


def session_client(target: Target, email: str, session: dict[str, Any]) -> Client:
    """A client holding `session` of the account `email` (no new sign-in: Auth is asked once,
    GET /auth/v1/user, whom the token belongs to); fails with the server's own words."""
    client = supabase_client(target, target.public_key)
    learn_secret(session.get("refresh_token"))
    try:
        client.auth.set_session(str(session["access_token"]), str(session["refresh_token"]))
    except Exception as exc:  # supabase-py raises AuthApiError and friends
        pytest.fail(f"the session of {email} is refused on {target.name}: {exc}", pytrace=False)
    return client


@pytest.fixture(scope="session")
def anon_client(target: Target) -> Client:
    """A client with the public key (publishable, else anon): what a visitor can do."""
    return supabase_client(target, target.public_key)


@pytest.fixture(scope="session")
def service_client(target: Target) -> Client:
    """A client with the server key (secret, else service_role): bypasses RLS, for setup,
    checks and cleanup."""
    return supabase_client(target, target.server_key)


@pytest.fixture(scope="session")
def signed_in(
    target: Target, accounts: Accounts, account_sessions: AccountSessions
) -> Iterator[Callable[[str], Client]]:
    """``signed_in("admin")`` -> a client signed in as that account, once per session, with
    the account's session its browser contexts share (``account_sessions``, which ends it,
    this device only, when the run ends, so runs do not pile up sign-ins).

    A role missing from ``[accounts]`` skips the test as not configured; a failed sign-in
    fails it, and is not retried by later tests.
    """
    clients: dict[str, Client] = {}
    failures: dict[str, str] = {}

    def get(role: str) -> Client:
        if role in failures:
            pytest.fail(failures[role], pytrace=False)
        if role not in clients:
            account = accounts[role]
            try:
                session = account_sessions.session(role)
                clients[role] = session_client(target, account.email, session)
            except pytest.fail.Exception as exc:
                failures[role] = str(exc)
                raise
        return clients[role]

    yield get
    # account_sessions ends the sessions after this, with the tokens each client holds last.
    for client in clients.values():
        hand_back_session(client, account_sessions)


def hand_back_session(client: Client, sessions: AccountSessions) -> None:
    """Give `sessions` the tokens `client` holds last, so the end of the run signs its session
    out: supabase-py refreshes an expired session when a test asks for it, rotating its
    refresh token, and after two rotations the token handed out is refused (the session
    would stay on the target). A session already ended or revoked is left as handed out."""
    with contextlib.suppress(Exception):  # supabase-py raises AuthApiError and friends
        held = client.auth.get_session()
        if held is not None:
            sessions.learn_session(
                {
                    "access_token": held.access_token,
                    "refresh_token": held.refresh_token,
                    "expires_at": held.expires_at,
                }
            )


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client for public URLs and the site: timeouts set, redirects NOT followed
    (a redirect through an old origin must be seen; :func:`postmigration.links.follow` walks
    a link hop by hop)."""
    with http_client(timeout=_TIMEOUT_S, follow_redirects=False) as client:
        yield client


def end_session(target: Target, access_token: str) -> None:
    """Sign out the session `access_token` belongs to, on this device only
    (``/auth/v1/logout?scope=local``), so runs do not pile up sign-ins on the target; a
    session already ended, or an expired token, is left as it is."""
    with contextlib.suppress(httpx.HTTPError):
        httpx.post(
            f"{target.supabase_url}/auth/v1/logout",
            params={"scope": "local"},
            headers=api_headers(target.public_key, access_token),
            timeout=10,
            verify=trust(),
        )
