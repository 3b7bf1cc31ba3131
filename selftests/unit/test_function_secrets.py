"""The functions' secrets listing: the stand-in's Management API route and the suite's reader.

The real proof is the detection matrix's `missing-secret:WHATSAPP_TOKEN` on a running
playbook; these pin the shapes both ends agree on (digests, never values; 401, 404).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from postmigration.config import Target
from postmigration.function_secrets import ListedSecrets, listed_secrets
from postmigration.management import ManagementUnavailable, project_ref
from reference.stack.gateway import management
from reference.stack.settings import StackSettings

TOKEN = "sbp_" + "0" * 40


def _client(tmp_path: Path, env: str) -> TestClient:
    (tmp_path / "functions.env").write_text(env)
    settings = StackSettings(
        tmp_path,
        *("unused",) * 9,
        function_secrets={"SUPABASE_URL": "http://x"},
        ref="localabc",
        management_token=TOKEN,
    )
    return TestClient(Starlette(routes=[Mount("/v1", routes=management.routes(settings))]))


def _target(token: str | None = TOKEN, ref: str | None = "localabc") -> Target:
    return Target(
        name="new",
        supabase_url="http://127.0.0.1:1",
        project_ref=ref,
        management_url="http://testserver",
        management_token=token,
    )


def test_the_listing_gives_digests_and_leaves_reserved_names_out(tmp_path: Path) -> None:
    """Each secret of functions.env is listed by name with its SHA-256; SUPABASE_* are the
    platform's and not compared; no value appears in the answer."""
    client = _client(tmp_path, "RESEND_API_KEY=re_value\nSITE_URL=https://app\n")
    listed = listed_secrets(client, _target())
    assert listed.digests == {
        "RESEND_API_KEY": hashlib.sha256(b"re_value").hexdigest(),
        "SITE_URL": hashlib.sha256(b"https://app").hexdigest(),
    }
    raw = client.get(
        "/v1/projects/localabc/secrets", headers={"Authorization": f"Bearer {TOKEN}"}
    ).text
    assert "re_value" not in raw and "SUPABASE_URL" in raw


@pytest.mark.parametrize(
    ("target", "words"),
    [
        (_target(token="sbp_" + "1" * 40), "refused to read new's secrets (project localabc): 401"),
        (_target(ref="otherref"), "(project otherref): 404"),
        (_target(token=None), "has no management_token"),
    ],
)
def test_a_listing_that_cannot_be_read_says_why(tmp_path: Path, target: Target, words: str) -> None:
    """A wrong token, another project's ref, or no token: one line naming the cause."""
    with pytest.raises(ManagementUnavailable) as raised:
        listed_secrets(_client(tmp_path, "A=1\n"), target)
    assert words in str(raised.value)
    assert "1" * 40 not in str(raised.value)


def test_project_ref_comes_from_a_hosted_url() -> None:
    """https://<ref>.supabase.co gives the ref; a custom domain needs project_ref."""
    hosted = Target(name="new", supabase_url="https://abcdefghijklmnop.supabase.co")
    custom = Target(name="new", supabase_url="https://api.example.com")
    assert project_ref(hosted) == "abcdefghijklmnop"
    assert project_ref(custom) is None


def test_names_missing_on_new_and_values_copied() -> None:
    """Names old has and new lacks are missing; equal digests are the same value."""
    old = ListedSecrets("old", "o", {"A": "1", "B": "2", "C": "3"})
    new = ListedSecrets("new", "n", {"A": "1", "C": "9", "D": "4"})
    assert old.missing_from(new) == ["B"]
    assert new.same_value_as(old) == ["A"]
