"""/auth/v1 behaves like GoTrue for the official client: sign-in, errors, sessions, admin, links.

Every test talks to a real stand-in (Postgres + gateway) over HTTP, through supabase-py where
the suite would use it and through httpx where the wire shape itself is the point.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import psycopg
import pytest
from supabase import Client, create_client
from supabase_auth.errors import AuthApiError, AuthWeakPasswordError

from reference.stack.project_setup import read_auth_settings, write_auth_settings
from reference.stack.runner import StackProcess

API_VERSION = {"X-Supabase-Api-Version": "2024-01-01"}
ACCESS_TOKEN_CLAIMS = {
    "aud", "exp", "iat", "iss", "sub", "email", "phone", "app_metadata", "user_metadata",
    "role", "aal", "amr", "session_id", "is_anonymous",
}  # fmt: skip


@pytest.fixture(scope="module")
def db_url(stack: StackProcess) -> str:
    """The stand-in's superuser database URL."""
    return str(stack.target["db_url"])


@pytest.fixture(scope="module")
def site_url(stack: StackProcess) -> str:
    """The project's SITE_URL."""
    return str(stack.target["site_url"])


@pytest.fixture
def anon(supabase_url: str, anon_key: str) -> Client:
    """A fresh supabase-py client with the anon key (its own session storage)."""
    return create_client(supabase_url, anon_key)


@pytest.fixture(scope="module")
def admin_api(supabase_url: str, service_role_key: str) -> Any:
    """supabase-py's auth admin API with the service_role key."""
    return create_client(supabase_url, service_role_key).auth.admin


@pytest.fixture
def throwaway_user(admin_api: Any) -> Iterator[dict[str, str]]:
    """A confirmed user created through the admin API for this test, deleted afterwards."""
    email = f"auth-test-{uuid.uuid4().hex[:10]}@lms.test"
    password = "pw-" + uuid.uuid4().hex
    created = admin_api.create_user({"email": email, "password": password, "email_confirm": True})
    yield {"id": created.user.id, "email": email, "password": password}
    try:
        admin_api.delete_user(created.user.id)
    except AuthApiError as err:
        assert err.code == "user_not_found"


def _auth(url: str, key: str, token: str | None = None, **extra: str) -> dict[str, str]:
    return {"apikey": key, "Authorization": f"Bearer {token or key}", **extra}


def _password_grant(url: str, key: str, email: str, password: str) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/auth/v1/token?grant_type=password",
        json={"email": email, "password": password},
        headers={"apikey": key},
    )
    assert response.status_code == 200, response.text
    return response.json()


def _refresh(url: str, key: str, refresh_token: str) -> httpx.Response:
    return httpx.post(
        f"{url}/auth/v1/token?grant_type=refresh_token",
        json={"refresh_token": refresh_token},
        headers={"apikey": key, **API_VERSION},
    )


def test_supabase_py_signs_in_and_gets_supabase_claims(
    anon: Client, accounts: dict[str, dict[str, str]], supabase_url: str, db_url: str
) -> None:
    """A seeded account signs in; the access token is ES256 (the stack's default `--keys=both`),
    verifies with the JWKS key its `kid` names, and has exactly Supabase's claims and the one
    the reference app's access token hook adds (`user_role`)."""
    user = accounts["user"]
    before = time.time()
    signed_in = anon.auth.sign_in_with_password(
        {"email": user["email"], "password": user["password"]}
    )
    assert signed_in.session is not None and signed_in.user is not None
    assert signed_in.session.token_type == "bearer"
    assert signed_in.user.email == user["email"]
    token = signed_in.session.access_token
    jwks = httpx.get(f"{supabase_url}/auth/v1/.well-known/jwks.json").json()
    header = jwt.get_unverified_header(token)
    published = {key["kid"]: key for key in jwks["keys"]}
    assert header["alg"] == "ES256" and header["kid"] in published
    public = jwt.PyJWK(published[header["kid"]]).key
    claims = jwt.decode(token, public, algorithms=["ES256"], audience="authenticated")
    assert set(claims) == ACCESS_TOKEN_CLAIMS | {"user_role"}
    assert claims["user_role"] == "member"
    assert claims["iss"] == f"{supabase_url}/auth/v1"
    assert claims["role"] == "authenticated" and claims["aal"] == "aal1"
    assert claims["sub"] == signed_in.user.id and claims["email"] == user["email"]
    assert claims["amr"][0]["method"] == "password"
    assert claims["exp"] - claims["iat"] == 3600
    with psycopg.connect(db_url) as conn:
        session = conn.execute(
            "select user_id::text from auth.sessions where id = %s", (claims["session_id"],)
        ).fetchone()
        last_sign_in = conn.execute(
            "select extract(epoch from last_sign_in_at) from auth.users where id = %s",
            (claims["sub"],),
        ).fetchone()
    assert session == (claims["sub"],), "the session is not stored in auth.sessions"
    assert last_sign_in is not None and float(last_sign_in[0]) >= before - 1
    fetched = anon.auth.get_user()
    assert fetched is not None and fetched.user.id == signed_in.user.id


def test_wrong_password_is_invalid_credentials_in_both_shapes(
    anon: Client, accounts: dict[str, dict[str, str]], supabase_url: str, anon_key: str
) -> None:
    """supabase-py raises AuthApiError(invalid_credentials); without the version header the
    legacy shape comes back, with it the 2024-01-01 shape and the header echoed."""
    email = accounts["user"]["email"]
    with pytest.raises(AuthApiError) as raised:
        anon.auth.sign_in_with_password({"email": email, "password": "not-the-password"})
    assert raised.value.code == "invalid_credentials"
    assert raised.value.status == 400
    assert raised.value.message == "Invalid login credentials"

    url = f"{supabase_url}/auth/v1/token?grant_type=password"
    body = {"email": email, "password": "not-the-password"}
    legacy = httpx.post(url, json=body, headers={"apikey": anon_key})
    assert legacy.status_code == 400
    assert legacy.json() == {
        "code": 400,
        "error_code": "invalid_credentials",
        "msg": "Invalid login credentials",
    }
    assert "x-supabase-api-version" not in legacy.headers
    current = httpx.post(url, json=body, headers={"apikey": anon_key, **API_VERSION})
    assert current.json() == {"code": "invalid_credentials", "message": "Invalid login credentials"}
    assert current.headers["x-supabase-api-version"] == "2024-01-01"

    unknown = httpx.post(
        url, json={"email": "nobody@lms.test", "password": "x"}, headers={"apikey": anon_key}
    )
    assert unknown.json()["error_code"] == "invalid_credentials"


def test_unconfirmed_email_and_banned_user_cannot_sign_in(
    anon: Client, admin_api: Any, throwaway_user: dict[str, str]
) -> None:
    """An unconfirmed email gets email_not_confirmed; a banned user gets user_banned."""
    email = f"unconfirmed-{uuid.uuid4().hex[:8]}@lms.test"
    pending = admin_api.create_user({"email": email, "password": "secret-123"})
    try:
        with pytest.raises(AuthApiError) as raised:
            anon.auth.sign_in_with_password({"email": email, "password": "secret-123"})
        assert raised.value.code == "email_not_confirmed"
    finally:
        admin_api.delete_user(pending.user.id)

    admin_api.update_user_by_id(throwaway_user["id"], {"ban_duration": "24h"})
    with pytest.raises(AuthApiError) as raised:
        anon.auth.sign_in_with_password(
            {"email": throwaway_user["email"], "password": throwaway_user["password"]}
        )
    assert raised.value.code == "user_banned"
    admin_api.update_user_by_id(throwaway_user["id"], {"ban_duration": "none"})
    anon.auth.sign_in_with_password(
        {"email": throwaway_user["email"], "password": throwaway_user["password"]}
    )


def test_refresh_rotates_and_a_stale_token_is_already_used(
    supabase_url: str, anon_key: str, throwaway_user: dict[str, str], db_url: str
) -> None:
    """Each refresh issues a new token; replaying a revoked one past the reuse interval is
    refused with refresh_token_already_used and revokes the session's tokens."""
    first = _password_grant(
        supabase_url, anon_key, throwaway_user["email"], throwaway_user["password"]
    )
    second = _refresh(supabase_url, anon_key, first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert second.json()["user"]["id"] == throwaway_user["id"]
    # The client lost the answer and retries: GoTrue hands back the same active child.
    retried = _refresh(supabase_url, anon_key, first["refresh_token"])
    assert retried.json()["refresh_token"] == second.json()["refresh_token"]
    third = _refresh(supabase_url, anon_key, second.json()["refresh_token"])
    assert third.status_code == 200, third.text
    with psycopg.connect(db_url) as conn:  # let the reuse interval pass for the first token
        conn.execute(
            "update auth.refresh_tokens set updated_at = now() - interval '1 minute'"
            " where token = %s",
            (first["refresh_token"],),
        )
    replay = _refresh(supabase_url, anon_key, first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["code"] == "refresh_token_already_used"
    with psycopg.connect(db_url) as conn:
        active = conn.execute(
            "select count(*) from auth.refresh_tokens where user_id = %s and not revoked",
            (throwaway_user["id"],),
        ).fetchone()
    assert active == (0,), "reuse did not revoke the token family"

    unknown = _refresh(supabase_url, anon_key, "no-such-token")
    assert unknown.json()["code"] == "refresh_token_not_found"


def test_supabase_py_refresh_session_rotates(anon: Client, throwaway_user: dict[str, str]) -> None:
    """supabase-py's refresh_session gets a new refresh token and a working access token."""
    signed_in = anon.auth.sign_in_with_password(
        {"email": throwaway_user["email"], "password": throwaway_user["password"]}
    )
    assert signed_in.session is not None
    refreshed = anon.auth.refresh_session()
    assert refreshed.session is not None
    assert refreshed.session.refresh_token != signed_in.session.refresh_token
    fetched = anon.auth.get_user(refreshed.session.access_token)
    assert fetched is not None and fetched.user.id == throwaway_user["id"]


def test_logout_ends_the_session(
    anon: Client, supabase_url: str, anon_key: str, throwaway_user: dict[str, str]
) -> None:
    """After sign_out the old access token gets session_not_found and the refresh token is
    gone; scope=local ends only the caller's session."""
    email, password = throwaway_user["email"], throwaway_user["password"]
    one = _password_grant(supabase_url, anon_key, email, password)
    two = _password_grant(supabase_url, anon_key, email, password)
    local = httpx.post(
        f"{supabase_url}/auth/v1/logout?scope=local",
        headers=_auth(supabase_url, anon_key, one["access_token"]),
    )
    assert local.status_code == 204 and local.content == b""
    gone = httpx.get(
        f"{supabase_url}/auth/v1/user", headers=_auth(supabase_url, anon_key, one["access_token"])
    )
    assert gone.status_code == 403
    assert gone.json()["error_code"] == "session_not_found"
    still = httpx.get(
        f"{supabase_url}/auth/v1/user", headers=_auth(supabase_url, anon_key, two["access_token"])
    )
    assert still.status_code == 200, still.text

    signed_in = anon.auth.sign_in_with_password({"email": email, "password": password})
    assert signed_in.session is not None
    anon.auth.sign_out()  # scope global
    for session in (signed_in.session.model_dump(), two):
        after = httpx.get(
            f"{supabase_url}/auth/v1/user",
            headers=_auth(supabase_url, anon_key, session["access_token"], **API_VERSION),
        )
        assert after.status_code == 403
        assert after.json()["code"] == "session_not_found"
        assert _refresh(supabase_url, anon_key, session["refresh_token"]).json()["code"] == (
            "refresh_token_not_found"
        )

    bad_scope = httpx.post(
        f"{supabase_url}/auth/v1/logout?scope=everywhere",
        headers=_auth(supabase_url, anon_key, two["access_token"]),
    )
    assert bad_scope.status_code == 400
    assert bad_scope.json()["error_code"] == "validation_failed"


def test_signup_returns_a_session_and_twice_is_user_already_exists(
    anon: Client, admin_api: Any
) -> None:
    """With autoconfirm, sign_up answers with a session; the same email again is a 422."""
    email = f"signup-{uuid.uuid4().hex[:10]}@lms.test"
    created = anon.auth.sign_up(
        {"email": email, "password": "signup-secret", "options": {"data": {"full_name": "Sig"}}}
    )
    try:
        assert created.session is not None and created.user is not None
        assert created.user.email == email
        assert created.user.email_confirmed_at is not None
        assert created.user.user_metadata["full_name"] == "Sig"
        assert [identity.provider for identity in created.user.identities or []] == ["email"]
        with pytest.raises(AuthApiError) as raised:
            anon.auth.sign_up({"email": email, "password": "signup-secret"})
        assert raised.value.code == "user_already_exists"
        assert raised.value.status == 422
        with pytest.raises(AuthWeakPasswordError) as weak:
            anon.auth.sign_up({"email": "weak-" + email, "password": "123"})
        assert weak.value.code == "weak_password" and weak.value.reasons == ["length"]
    finally:
        if created.user is not None:
            admin_api.delete_user(created.user.id)


def test_user_updates_metadata_and_password(anon: Client, throwaway_user: dict[str, str]) -> None:
    """PUT /user merges metadata and changes the password; the old password stops working."""
    email, password = throwaway_user["email"], throwaway_user["password"]
    anon.auth.sign_in_with_password({"email": email, "password": password})
    updated = anon.auth.update_user({"data": {"city": "Lyon"}})
    assert updated.user.user_metadata["city"] == "Lyon"
    anon.auth.update_user({"password": password + "-new"})
    with pytest.raises(AuthApiError) as raised:
        anon.auth.sign_in_with_password({"email": email, "password": password})
    assert raised.value.code == "invalid_credentials"
    again = anon.auth.sign_in_with_password({"email": email, "password": password + "-new"})
    assert again.user is not None and again.user.user_metadata["city"] == "Lyon"


def test_admin_creates_lists_gets_updates_and_deletes(
    admin_api: Any, anon: Client, supabase_url: str, service_role_key: str
) -> None:
    """The admin API round trip, pagination headers, and email_exists / user_not_found."""
    email = f"admin-made-{uuid.uuid4().hex[:10]}@lms.test"
    created = admin_api.create_user(
        {"email": email, "password": "made-by-admin", "email_confirm": True,
         "user_metadata": {"full_name": "Made"}, "app_metadata": {"tier": "gold"}}
    )  # fmt: skip
    user_id = created.user.id
    assert created.user.app_metadata == {
        "provider": "email",
        "providers": ["email"],
        "tier": "gold",
    }
    with pytest.raises(AuthApiError) as duplicate:
        admin_api.create_user({"email": email, "password": "made-by-admin"})
    assert duplicate.value.code == "email_exists" and duplicate.value.status == 422

    assert user_id in {user.id for user in admin_api.list_users(page=1, per_page=1000)}
    assert admin_api.get_user_by_id(user_id).user.email == email
    updated = admin_api.update_user_by_id(user_id, {"user_metadata": {"full_name": "Renamed"}})
    assert updated.user.user_metadata["full_name"] == "Renamed"
    anon.auth.sign_in_with_password({"email": email, "password": "made-by-admin"})

    page = httpx.get(
        f"{supabase_url}/auth/v1/admin/users?page=1&per_page=1",
        headers=_auth(supabase_url, service_role_key),
    )
    assert page.status_code == 200
    total = int(page.headers["x-total-count"])
    assert total >= 4 and len(page.json()["users"]) == 1 and page.json()["aud"] == "authenticated"
    assert 'rel="next"' in page.headers["link"]
    assert f'page={total}&per_page=1>; rel="last"' in page.headers["link"]

    admin_api.delete_user(user_id)
    with pytest.raises(AuthApiError) as missing:
        admin_api.get_user_by_id(user_id)
    assert missing.value.code == "user_not_found" and missing.value.status == 404
    with pytest.raises(AuthApiError) as deleted:
        anon.auth.sign_in_with_password({"email": email, "password": "made-by-admin"})
    assert deleted.value.code == "invalid_credentials"


def test_admin_endpoints_refuse_non_admin_tokens(
    supabase_url: str, anon_key: str, accounts: dict[str, dict[str, str]]
) -> None:
    """The anon key and a user's access token are refused with 403 not_admin."""
    with pytest.raises(AuthApiError) as raised:
        create_client(supabase_url, anon_key).auth.admin.list_users()
    assert raised.value.code == "not_admin" and raised.value.status == 403
    user = accounts["user"]
    session = _password_grant(supabase_url, anon_key, user["email"], user["password"])
    refused = httpx.post(
        f"{supabase_url}/auth/v1/admin/generate_link",
        json={"type": "magiclink", "email": user["email"]},
        headers=_auth(supabase_url, anon_key, session["access_token"]),
    )
    assert refused.status_code == 403
    assert refused.json()["error_code"] == "not_admin"


def test_bad_bearers_on_user_never_500(
    supabase_url: str, anon_key: str, jwt_secret: str, throwaway_user: dict[str, str]
) -> None:
    """No bearer → 401 no_authorization; malformed, expired or foreign-signed → 403 bad_jwt."""
    url = f"{supabase_url}/auth/v1/user"
    missing = httpx.get(url, headers={"apikey": anon_key, **API_VERSION})
    assert missing.status_code == 401
    assert missing.json()["code"] == "no_authorization"
    now = int(time.time())
    claims = {"sub": throwaway_user["id"], "role": "authenticated", "aud": "authenticated"}
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, jwt_secret, "HS256")
    foreign = jwt.encode({**claims, "exp": now + 600}, "another-projects-secret-" * 2, "HS256")
    for token in ("not.a.jwt", "garbage", expired, foreign):
        response = httpx.get(url, headers=_auth(supabase_url, anon_key, token))
        assert response.status_code == 403, (token[:12], response.text)
        assert response.json()["error_code"] == "bad_jwt"
    anon_as_user = httpx.get(url, headers=_auth(supabase_url, anon_key))
    assert anon_as_user.status_code == 403
    assert anon_as_user.json()["msg"] == "invalid claim: missing sub claim"


def test_generate_link_uses_the_public_url_and_redirects_to_site_url(
    admin_api: Any, throwaway_user: dict[str, str], supabase_url: str, anon_key: str,
    site_url: str,
) -> None:  # fmt: skip
    """The action link is `{public url}/auth/v1/verify?...&redirect_to=SITE_URL`; following it
    lands on SITE_URL with a working session in the fragment; it works once."""
    link = admin_api.generate_link(
        {"type": "magiclink", "email": throwaway_user["email"],
         "options": {"redirect_to": "https://evil.example/steal"}}
    )  # fmt: skip
    action = link.properties.action_link
    assert action.startswith(f"{supabase_url}/auth/v1/verify?")
    query = parse_qs(urlsplit(action).query)
    assert query["type"] == ["magiclink"] and query["redirect_to"] == [site_url]
    assert query["token"] == [link.properties.hashed_token]
    assert link.properties.redirect_to == site_url
    assert link.properties.verification_type == "magiclink"
    assert len(link.properties.email_otp) == 6

    followed = httpx.get(action, follow_redirects=False)
    assert followed.status_code == 303
    location = followed.headers["location"]
    assert location.startswith(site_url + "#")
    fragment = parse_qs(urlsplit(location).fragment)
    assert fragment["type"] == ["magiclink"] and fragment["token_type"] == ["bearer"]
    me = httpx.get(
        f"{supabase_url}/auth/v1/user",
        headers=_auth(supabase_url, anon_key, fragment["access_token"][0]),
    )
    assert me.status_code == 200 and me.json()["id"] == throwaway_user["id"]

    reused = httpx.get(action, follow_redirects=False)
    assert reused.status_code == 303
    error = parse_qs(urlsplit(reused.headers["location"]).fragment)
    assert error["error_code"] == ["otp_expired"] and error["error"] == ["access_denied"]


def test_verify_otp_from_a_recovery_link(
    anon: Client, admin_api: Any, throwaway_user: dict[str, str]
) -> None:
    """The 6-digit code of a recovery link signs the user in through POST /verify."""
    link = admin_api.generate_link({"type": "recovery", "email": throwaway_user["email"]})
    verified = anon.auth.verify_otp(
        {"email": throwaway_user["email"], "token": link.properties.email_otp, "type": "recovery"}
    )
    assert verified.session is not None and verified.user is not None
    assert verified.user.id == throwaway_user["id"]
    with pytest.raises(AuthApiError) as raised:
        anon.auth.verify_otp(
            {"email": throwaway_user["email"], "token": link.properties.email_otp,
             "type": "recovery"}
        )  # fmt: skip
    assert raised.value.code == "otp_expired"


def _emails_to(stack: StackProcess, address: str) -> list[dict[str, Any]]:
    key = stack.config["targets"]["local"]["inbox"]["resend_api_key"]
    base = stack.config["targets"]["local"]["inbox"]["resend_api_url"]
    headers = {"Authorization": f"Bearer {key}"}
    listed = httpx.get(f"{base}/emails?limit=100", headers=headers).json()["data"]
    return [
        httpx.get(f"{base}/emails/{item['id']}", headers=headers).json()
        for item in listed
        if address in (item.get("to") or [])
    ]


def test_invite_and_recover_mail_links_to_site_url(
    stack: StackProcess, admin_api: Any, anon: Client, supabase_url: str, site_url: str
) -> None:
    """An invite and a password reset each reach the mail sink with a verify link on the public
    URL that redirects to SITE_URL; the invite link confirms the invitee."""
    email = f"invited-{uuid.uuid4().hex[:10]}@lms.test"
    invited = admin_api.invite_user_by_email(email, {"data": {"full_name": "Invited"}})
    try:
        assert invited.user.invited_at is not None and invited.user.email_confirmed_at is None
        [mail] = _emails_to(stack, email)
        assert mail["subject"] == "You have been invited"
        link = next(word for word in mail["text"].split() if "/auth/v1/verify?" in word)
        assert link.startswith(f"{supabase_url}/auth/v1/verify?")
        assert parse_qs(urlsplit(link).query)["redirect_to"] == [site_url]
        followed = httpx.get(link, follow_redirects=False)
        assert followed.headers["location"].startswith(site_url + "#access_token=")
        confirmed = admin_api.get_user_by_id(invited.user.id).user
        assert confirmed.email_confirmed_at is not None

        anon.auth.reset_password_for_email(email)
        recovery = [m for m in _emails_to(stack, email) if m["subject"] == "Reset Your Password"]
        assert len(recovery) == 1
        assert f"{supabase_url}/auth/v1/verify?token=" in recovery[0]["html"]
        assert "type=recovery" in recovery[0]["html"]
    finally:
        admin_api.delete_user(invited.user.id)
    # Unknown addresses get the same empty answer (no account enumeration), and no mail.
    anon.auth.reset_password_for_email("nobody-" + email)
    assert _emails_to(stack, "nobody-" + email) == []


def test_bad_json_and_unsupported_grant_answer_in_gotrue_shape(
    supabase_url: str, anon_key: str
) -> None:
    """Malformed bodies and unknown grants are 400s with GoTrue's codes, not 500s."""
    broken = httpx.post(
        f"{supabase_url}/auth/v1/token?grant_type=password",
        content=b"{not json",
        headers={"apikey": anon_key, "content-type": "application/json", **API_VERSION},
    )
    assert broken.status_code == 400 and broken.json()["code"] == "bad_json"
    grant = httpx.post(
        f"{supabase_url}/auth/v1/token?grant_type=magic", json={}, headers={"apikey": anon_key}
    )
    assert grant.status_code == 400 and grant.json()["msg"] == "unsupported_grant_type"
    no_token = httpx.post(
        f"{supabase_url}/auth/v1/token?grant_type=refresh_token", json={},
        headers={"apikey": anon_key},
    )  # fmt: skip
    assert no_token.json() == {
        "error": "invalid_request",
        "error_description": "refresh_token required",
    }


def test_health_and_settings(supabase_url: str, anon_key: str) -> None:
    """GET /health names GoTrue; GET /settings reports email on and autoconfirm."""
    health = httpx.get(f"{supabase_url}/auth/v1/health")
    assert health.status_code == 200 and health.json()["name"] == "GoTrue"
    settings = httpx.get(f"{supabase_url}/auth/v1/settings", headers={"apikey": anon_key}).json()
    assert settings["external"]["email"] is True and settings["mailer_autoconfirm"] is True
    assert settings["disable_signup"] is False


def test_signups_turned_off_refuse_a_signup(
    stack: StackProcess, supabase_url: str, anon_key: str
) -> None:
    """With "allow new users to sign up" off (disable_signup saved in the project's auth
    settings), /settings says so at once and a signup is 422 signup_disabled; turned back on,
    it is as before."""
    site_url = str(stack.target["site_url"])
    saved = read_auth_settings(stack.state_dir, site_url)
    headers = {"apikey": anon_key}
    email = f"closed-{uuid.uuid4().hex[:10]}@lms.test"
    write_auth_settings(stack.state_dir, {**saved, "disable_signup": True})
    try:
        settings = httpx.get(f"{supabase_url}/auth/v1/settings", headers=headers).json()
        assert settings["disable_signup"] is True
        refused = httpx.post(
            f"{supabase_url}/auth/v1/signup",
            json={"email": email, "password": "signup-secret"},
            headers=headers,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error_code"] == "signup_disabled", refused.text
    finally:
        write_auth_settings(stack.state_dir, saved)
    settings = httpx.get(f"{supabase_url}/auth/v1/settings", headers=headers).json()
    assert settings["disable_signup"] is False


def test_the_access_token_hook_makes_the_claims_and_its_failure_fails_the_sign_in(
    stack: StackProcess, accounts: dict[str, dict[str, str]], supabase_url: str, anon_key: str
) -> None:
    """The app's hook (a Postgres function, run as supabase_auth_admin) gives the admin
    `user_role` admin; switched off, tokens carry no `user_role`; with supabase_auth_admin's
    EXECUTE on the function revoked, a sign-in is 500 naming the hook's URI (GoTrue's
    "Error running hook URI")."""
    site_url = str(stack.target["site_url"])
    saved = read_auth_settings(stack.state_dir, site_url)
    admin = accounts["admin"]

    def claims() -> dict[str, Any]:
        token = _password_grant(supabase_url, anon_key, admin["email"], admin["password"])
        return jwt.decode(token["access_token"], options={"verify_signature": False})

    assert saved["hook_custom_access_token_enabled"] is True
    assert claims()["user_role"] == "admin"
    write_auth_settings(stack.state_dir, {**saved, "hook_custom_access_token_enabled": False})
    try:
        assert "user_role" not in claims()
    finally:
        write_auth_settings(stack.state_dir, saved)
    function = "public.custom_access_token_hook(jsonb)"
    with psycopg.connect(str(stack.target["db_url"]), autocommit=True) as conn:
        conn.execute(f"revoke execute on function {function} from supabase_auth_admin")
        try:
            refused = httpx.post(
                f"{supabase_url}/auth/v1/token?grant_type=password",
                json={"email": admin["email"], "password": admin["password"]},
                headers={"apikey": anon_key},
            )
        finally:
            conn.execute(f"grant execute on function {function} to supabase_auth_admin")
    assert refused.status_code == 500, refused.text
    assert "Error running hook URI: pg-functions://postgres/public/custom_access_token_hook" in (
        refused.text
    )
    assert claims()["user_role"] == "admin"


def test_phone_password_sign_in(
    anon: Client, accounts: dict[str, dict[str, str]], supabase_url: str, anon_key: str
) -> None:
    """The invitee signs in with phone and password, as GoTrue's phone grant allows."""
    invitee = accounts["invitee"]
    signed_in = anon.auth.sign_in_with_password(
        {"phone": invitee["phone"], "password": invitee["password"]}
    )
    assert signed_in.user is not None and signed_in.user.email == invitee["email"]
    both = httpx.post(
        f"{supabase_url}/auth/v1/token?grant_type=password",
        json={"email": invitee["email"], "phone": invitee["phone"], "password": "x"},
        headers={"apikey": anon_key},
    )
    assert both.status_code == 400 and both.json()["error_code"] == "validation_failed"


SUPABASE_JS_AUTH = """
import { createClient } from "npm:@supabase/supabase-js@2";
const [url, anon, email, password] = Deno.args;
const sb = createClient(url, anon, { auth: { persistSession: false, autoRefreshToken: false } });
const wrong = await sb.auth.signInWithPassword({ email, password: password + "x" });
const ok = await sb.auth.signInWithPassword({ email, password });
const user = await sb.auth.getUser();
const claims = await sb.auth.getClaims();
const refreshed = await sb.auth.refreshSession();
const updated = await sb.auth.updateUser({ data: { from_js: true } });
const out = await sb.auth.signOut();
const after = await sb.auth.getUser(refreshed.data.session?.access_token);
console.log(JSON.stringify({
  wrong: [wrong.error?.name, wrong.error?.code, wrong.error?.status],
  signed_in: ok.data.user?.email ?? ok.error?.message,
  same_user: user.data.user?.id === ok.data.user?.id,
  role: claims.data?.claims?.role ?? String(claims.error),
  rotated: !!refreshed.data.session &&
    refreshed.data.session.refresh_token !== ok.data.session?.refresh_token,
  from_js: updated.data.user?.user_metadata?.from_js ?? String(updated.error),
  signed_out: out.error === null,
  after: after.error?.name,
}));
"""


def test_supabase_js_auth_round_trip(
    tmp_path: Path, supabase_url: str, anon_key: str, accounts: dict[str, dict[str, str]]
) -> None:
    """supabase-js (npm, under a real Deno) signs in, reads its user and claims, refreshes,
    updates metadata and signs out against the stand-in, with GoTrue's error codes."""
    deno = Path(sys.executable).parent / "deno"
    script = tmp_path / "auth_round_trip.ts"
    script.write_text(SUPABASE_JS_AUTH)
    user = accounts["user"]
    done = subprocess.run(
        [
            str(deno),
            "run",
            "-A",
            str(script),
            supabase_url,
            anon_key,
            user["email"],
            user["password"],
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "wrong": ["AuthApiError", "invalid_credentials", 400],
        "signed_in": user["email"],
        "same_user": True,
        "role": "authenticated",
        "rotated": True,
        "from_js": True,
        "signed_out": True,
        "after": "AuthSessionMissingError",
    }


def test_odd_client_headers_do_not_break_sign_in(
    supabase_url: str, anon_key: str, throwaway_user: dict[str, str]
) -> None:
    """A junk X-Forwarded-For or User-Agent is recorded as best it can be, never a 500."""
    response = httpx.post(
        f"{supabase_url}/auth/v1/token?grant_type=password",
        json={"email": throwaway_user["email"], "password": throwaway_user["password"]},
        headers={"apikey": anon_key, "X-Forwarded-For": "not-an-ip", "User-Agent": "x" * 2000},
    )
    assert response.status_code == 200, response.text
