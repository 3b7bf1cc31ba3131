"""Post-migration: uploads — a private bucket's objects stay private after the move."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from supabase import Client

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.keys import api_headers

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("upload")]

FIXTURE_IMAGE = Path(__file__).resolve().parents[2] / "fixtures" / "images" / "chat-meal.png"


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


def test_private_bucket_objects_are_not_readable_without_a_token(
    target: Target,
    app_profile: AppProfile,
    signed_in: Callable[[str], Client],
    service_client: Client,
    created: Created,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """An object of the private bucket (chat-images) loads for its owner and for nobody else."""
    bucket = _private_bucket(app_profile)
    if target.read_only:
        path = _existing_object(service_client, bucket)
    else:
        user = signed_in("user")
        session = user.auth.get_session()
        uid = session.user.id if session else ""
        path = f"{uid}/{created.label('chat').replace(' ', '-')}.png"
        try:
            user.storage.from_(bucket).upload(
                path, FIXTURE_IMAGE.read_bytes(), {"content-type": "image/png"}
            )
        except Exception as exc:  # storage3.StorageApiError carries Storage's message
            pytest.fail(f"the user could not upload {bucket}/{path}: {exc}", pytrace=False)
        created.object(bucket, path)
        owner = user.storage.from_(bucket).download(path)
        if owner != FIXTURE_IMAGE.read_bytes():
            pytest.fail(f"the owner reads different bytes back from {bucket}/{path}", pytrace=False)
    base = f"{target.supabase_url}/storage/v1/object"
    attempts = {
        "its public URL": (f"{base}/public/{bucket}/{path}", {}),
        "the authenticated route without a token": (f"{base}/authenticated/{bucket}/{path}", {}),
        "the authenticated route with only the public key": (
            f"{base}/authenticated/{bucket}/{path}",
            api_headers(target.public_key),
        ),
    }
    problems = []
    for how, (url, headers) in attempts.items():
        response = http.get(url, headers=headers)
        evidence.text(how, f"GET {url} → {response.status_code}\n{response.text[:200]}")
        if response.status_code == 200:
            problems.append(
                f'{bucket}/{path} is readable by anyone through {how} (bucket "{bucket}" '
                "must be private and its policies must require the owner)"
            )
    fail_on(problems, f'private images leak from bucket "{bucket}"')
