"""Post-migration: uploads — a private bucket's objects stay readable by their owner only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.keys import api_headers
from postmigration.privacy import download, privacy_problem, read

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("upload")]

FIXTURE_IMAGE = Path(__file__).resolve().parents[2] / "fixtures" / "images" / "chat-meal.png"
# Signed-in accounts that must not read the owner's ("user") chat images: the reference app's
# chat-images policies let each user read their own folder only, admins included.
OTHER_USERS = ("invitee", "admin")


def _private_bucket(app_profile: AppProfile) -> str:
    private = [name for name, public in app_profile.buckets.items() if not public]
    if not private:
        pytest.skip("not configured: the app profile names no private bucket")
    return private[0]


def _existing_object(service_client: Client, bucket: str) -> str:
    """Some object already in the bucket (read-only targets): the first one of the first folder."""
    files = service_client.storage.from_(bucket)
    for entry in files.list("", {"limit": 20}):
        if entry.get("id") is not None:
            return str(entry["name"])
        for inner in files.list(entry["name"], {"limit": 1}):
            if inner.get("id") is not None:
                return f"{entry['name']}/{inner['name']}"
    pytest.skip(f'not verified: bucket "{bucket}" is empty and the target is read-only')


def _user_id(client: Client) -> str:
    session = client.auth.get_session()
    return session.user.id if session else ""


@pytest.mark.slow
def test_private_bucket_objects_are_readable_by_their_owner_only(
    target: Target,
    app_profile: AppProfile,
    accounts: Accounts,
    signed_in: Callable[[str], Client],
    service_client: Client,
    created: Created,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """An object of the private bucket (chat-images), in its owner's folder as the bucket's
    policies require, loads for its owner; anonymously (public URL, authenticated route without
    a token or with the public key) and for each other signed-in account (authenticated route with
    its token, and a supabase-py download) Storage refuses it with its own not-found or
    unauthorized answer. Anything else (a 200, a 500) fails, naming who and what came back."""
    bucket = _private_bucket(app_profile)
    if target.read_only:
        path = _existing_object(service_client, bucket)
        owner = "the owner of its folder"
    else:
        user = signed_in("user")
        path = f"{_user_id(user)}/{created.label('chat').replace(' ', '-')}.png"
        try:
            user.storage.from_(bucket).upload(
                path, FIXTURE_IMAGE.read_bytes(), {"content-type": "image/png"}
            )
        except Exception as exc:  # storage3.StorageApiError carries Storage's message
            pytest.fail(f"the user could not upload {bucket}/{path}: {exc}", pytrace=False)
        created.object(bucket, path)
        if user.storage.from_(bucket).download(path) != FIXTURE_IMAGE.read_bytes():
            pytest.fail(f"the owner reads different bytes back from {bucket}/{path}", pytrace=False)
        owner = '"user"'
    folder = path.split("/")[0]
    configured = set(accounts)  # `in accounts` would skip on a missing role
    others = {role: signed_in(role) for role in OTHER_USERS if role in configured}
    others = {role: client for role, client in others.items() if _user_id(client) != folder}
    if not others:
        pytest.skip(
            f"not verified: no signed-in account other than the owner ({', '.join(OTHER_USERS)})"
        )
    where = f"{bucket}/{path}"
    base = f"{target.supabase_url}/storage/v1/object"
    anon = api_headers(target.public_key)
    answers = {
        "anyone through its public URL": read(http, f"{base}/public/{where}"),
        "anyone through the authenticated route without a token": read(
            http, f"{base}/authenticated/{where}"
        ),
        "anyone through the authenticated route with the public key": read(
            http, f"{base}/authenticated/{where}", anon
        ),
    }
    for role, client in others.items():
        session = client.auth.get_session()
        token = session.access_token if session else ""
        headers = api_headers(target.public_key, token)
        answers[f'signed-in "{role}" through the authenticated route'] = read(
            http, f"{base}/authenticated/{where}", headers
        )
        answers[f'signed-in "{role}" downloading with supabase-py'] = download(
            client.storage.from_(bucket), path
        )
    evidence.text(
        "who tried to read it",
        f"{where}, owned by {owner}; other signed-in accounts: {', '.join(others)}\n"
        + "\n".join(f"{who}: {answer.describe()}" for who, answer in answers.items()),
    )
    problems = [privacy_problem(answer, where, who) for who, answer in answers.items()]
    fail_on(
        [p for p in problems if p],
        f'bucket "{bucket}" is not shown to be readable by the owner only',
    )
