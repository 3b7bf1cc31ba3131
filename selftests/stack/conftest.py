"""What the stand-in's self-tests share: supabase-py clients for each caller, Storage's shapes."""

from __future__ import annotations

from typing import Any

import pytest
from supabase import Client, create_client

# The keys Supabase Storage writes into `storage.objects.metadata` for an uploaded object.
METADATA_KEYS = {
    "eTag",
    "size",
    "mimetype",
    "cacheControl",
    "lastModified",
    "contentLength",
    "httpStatusCode",
}


@pytest.fixture(scope="module")
def service(supabase_url: str, service_role_key: str) -> Client:
    """supabase-py as the service role (bypasses RLS)."""
    return create_client(supabase_url, service_role_key)


@pytest.fixture(scope="module")
def anon(supabase_url: str, anon_key: str) -> Client:
    """supabase-py with only the anon key."""
    return create_client(supabase_url, anon_key)


def _signed_in(url: str, anon_key: str, account: dict[str, str]) -> tuple[Client, str, str]:
    client = create_client(url, anon_key)
    session = client.auth.sign_in_with_password(
        {"email": account["email"], "password": account["password"]}
    )
    assert session.user is not None and session.session is not None
    return client, session.user.id, session.session.access_token


@pytest.fixture(scope="module")
def user(supabase_url: str, anon_key: str, accounts: dict[str, dict[str, str]]) -> Any:
    """The seeded `user` account signed in: (client, user id, access token)."""
    return _signed_in(supabase_url, anon_key, accounts["user"])


@pytest.fixture(scope="module")
def admin(supabase_url: str, anon_key: str, accounts: dict[str, dict[str, str]]) -> Any:
    """The seeded `admin` account signed in: (client, user id, access token)."""
    return _signed_in(supabase_url, anon_key, accounts["admin"])
