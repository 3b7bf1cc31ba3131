"""Post-migration: "Login works", through Supabase Auth's API."""

from __future__ import annotations

import secrets

import httpx
import pytest

from postmigration.clients import supabase_client
from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.keys import api_headers
from postmigration.redact import excerpt
from postmigration.refusals import Refused, attempt

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("login")]


@pytest.mark.parametrize("role", ["user", "admin"])
def test_password_sign_in_gives_a_token_the_api_accepts(
    role: str, target: Target, accounts: Accounts, http: httpx.Client, evidence: Evidence
) -> None:
    """The account signs in with its password, and GET /auth/v1/user accepts the new token."""
    account = accounts[role]
    client = supabase_client(target, target.public_key)
    answer = attempt(
        lambda: client.auth.sign_in_with_password(
            {"email": account.email, "password": account.password}
        )
    )
    if isinstance(answer, Refused):
        pytest.fail(
            f"the {role} {account.email} cannot sign in on {target.name}: "
            f"{answer.code}: {answer.message}",
            pytrace=False,
        )
    if answer.session is None:
        pytest.fail(f"signing in as {account.email} gave no session", pytrace=False)
    response = http.get(
        f"{target.supabase_url}/auth/v1/user",
        headers=api_headers(target.public_key, answer.session.access_token),
    )
    evidence.response(response)
    if response.status_code != 200:
        pytest.fail(
            f"GET /auth/v1/user with the {role}'s fresh token returned {response.status_code}: "
            f"{excerpt(response.text, 200)}",
            pytrace=False,
        )
    email = str(response.json().get("email") or "")
    if email.lower() != account.email.lower():
        pytest.fail(
            f"GET /auth/v1/user with the {role}'s token names {email or 'nobody'}, "
            f"not {account.email}",
            pytrace=False,
        )
    client.auth.sign_out({"scope": "local"})  # end only this session, not the account's others


def test_wrong_password_is_refused_with_invalid_credentials(
    target: Target, accounts: Accounts
) -> None:
    """A wrong password is refused, and with Supabase's own code ``invalid_credentials``."""
    account = accounts["user"]
    client = supabase_client(target, target.public_key)
    wrong = f"pm-wrong-{secrets.token_hex(8)}"
    answer = attempt(
        lambda: client.auth.sign_in_with_password({"email": account.email, "password": wrong})
    )
    if isinstance(answer, Refused):
        if answer.code != "invalid_credentials":
            pytest.fail(
                f"a wrong password for {account.email} was refused with {answer.code!r} "
                f"({answer.status}: {answer.message}), expected invalid_credentials",
                pytrace=False,
            )
        return
    client.auth.sign_out({"scope": "local"})
    pytest.fail(f"{account.email} signed in with a WRONG password on {target.name}", pytrace=False)
