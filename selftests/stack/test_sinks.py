"""The provider sinks speak Resend's and the WhatsApp Cloud API's shapes, and keep what they got."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from reference.stack.gateway.sinks import sink_routes

RESEND_KEY = "re_test_key"
WA_TOKEN = "EAAG_test_token"
PHONE_ID = "106540352242922"


def _client(sinks_dir: Path) -> TestClient:
    routes = sink_routes(sinks_dir, RESEND_KEY, WA_TOKEN, PHONE_ID)
    return TestClient(Starlette(routes=[Mount("/sinks", routes=routes)]))


@pytest.fixture
def sinks_dir(tmp_path: Path) -> Path:
    """An empty state/sinks dir."""
    return tmp_path / "sinks"


@pytest.fixture
def client(sinks_dir: Path) -> Iterator[TestClient]:
    """The sinks as the gateway mounts them, on an empty sinks dir."""
    with _client(sinks_dir) as test_client:
        yield test_client


def _email(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "from": "LMS <no-reply@lms.test>",
        "to": ["invitee@lms.test"],
        "subject": "You were invited",
        "html": '<a href="http://site.test/invites/abc">Accept</a>',
        "text": "Accept: http://site.test/invites/abc",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


RESEND = {"Authorization": f"Bearer {RESEND_KEY}"}
WHATSAPP = {"Authorization": f"Bearer {WA_TOKEN}"}


def test_resend_send_then_get_returns_the_email(client: TestClient) -> None:
    """POST /emails answers {id}; GET /emails/{id} gives Resend's email object back."""
    sent = client.post("/sinks/resend/emails", json=_email(), headers=RESEND)
    assert sent.status_code == 200, sent.text
    assert set(sent.json()) == {"id"}
    email_id = sent.json()["id"]

    got = client.get(f"/sinks/resend/emails/{email_id}", headers=RESEND)
    assert got.status_code == 200
    email = got.json()
    assert email["object"] == "email"
    assert email["id"] == email_id
    assert email["to"] == ["invitee@lms.test"]
    assert email["from"] == "LMS <no-reply@lms.test>"
    assert email["subject"] == "You were invited"
    assert "http://site.test/invites/abc" in email["html"]
    assert email["last_event"] == "delivered"
    assert email["created_at"].endswith("+00:00")


def test_resend_accepts_a_single_recipient_string(client: TestClient) -> None:
    """`to` may be one address (as a string) or a list; it is stored as a list."""
    sent = client.post("/sinks/resend/emails", json=_email(to="Ann <ann@lms.test>"), headers=RESEND)
    assert sent.status_code == 200, sent.text
    email = client.get(f"/sinks/resend/emails/{sent.json()['id']}", headers=RESEND).json()
    assert email["to"] == ["Ann <ann@lms.test>"]


def test_resend_list_is_newest_first_and_pages(client: TestClient) -> None:
    """GET /emails is {"object":"list","has_more","data"}, newest first, with limit/after."""
    ids = [
        client.post("/sinks/resend/emails", json=_email(subject=f"n{i}"), headers=RESEND).json()[
            "id"
        ]
        for i in range(3)
    ]
    first = client.get("/sinks/resend/emails", params={"limit": 2}, headers=RESEND).json()
    assert first["object"] == "list"
    assert first["has_more"] is True
    assert [e["id"] for e in first["data"]] == [ids[2], ids[1]]
    assert "html" not in first["data"][0]  # like Resend: the list has no bodies
    rest = client.get(
        "/sinks/resend/emails", params={"limit": 2, "after": ids[1]}, headers=RESEND
    ).json()
    assert [e["id"] for e in rest["data"]] == [ids[0]]
    assert rest["has_more"] is False


def test_resend_refuses_a_missing_or_wrong_key_like_resend(client: TestClient) -> None:
    """No key: 401 missing_api_key; a wrong key: 403 invalid_api_key, in Resend's error shape."""
    missing = client.post("/sinks/resend/emails", json=_email())
    assert missing.status_code == 401
    assert missing.json()["name"] == "missing_api_key"
    assert missing.json()["statusCode"] == 401
    wrong = client.post(
        "/sinks/resend/emails", json=_email(), headers={"Authorization": "Bearer re_wrong"}
    )
    assert wrong.status_code == 403
    assert wrong.json() == {
        "statusCode": 403,
        "message": "API key is invalid",
        "name": "invalid_api_key",
    }
    assert (
        client.get("/sinks/resend/emails", headers={"Authorization": "Bearer x"}).status_code == 403
    )


@pytest.mark.parametrize(
    ("changes", "name", "message_part"),
    [
        ({"to": None}, "missing_required_field", "`to`"),
        ({"subject": None}, "missing_required_field", "`subject`"),
        ({"from": "not an address"}, "invalid_from_address", "`from`"),
        ({"to": ["nobody"]}, "validation_error", "`to`"),
        ({"html": None, "text": None}, "validation_error", "`html`"),
    ],
)
def test_resend_validation_errors_are_422(
    client: TestClient, changes: dict[str, object], name: str, message_part: str
) -> None:
    """A bad email is refused with 422 and Resend's {statusCode, name, message}."""
    answer = client.post("/sinks/resend/emails", json=_email(**changes), headers=RESEND)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["statusCode"] == 422
    assert body["name"] == name
    assert message_part in body["message"]


def test_resend_unknown_email_is_404(client: TestClient) -> None:
    """GET of an id it never sent: 404 not_found."""
    answer = client.get("/sinks/resend/emails/00000000-0000-0000-0000-000000000000", headers=RESEND)
    assert answer.status_code == 404
    assert answer.json()["name"] == "not_found"


def _message(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "messaging_product": "whatsapp",
        "to": "15550100003",
        "type": "text",
        "text": {"body": "Accept: http://site.test/invites/abc"},
    }
    body.update(changes)
    return body


def test_whatsapp_send_answers_like_the_cloud_api(client: TestClient) -> None:
    """POST /{phone_number_id}/messages answers messaging_product, contacts and a wamid id."""
    answer = client.post(f"/sinks/whatsapp/{PHONE_ID}/messages", json=_message(), headers=WHATSAPP)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "15550100003", "wa_id": "15550100003"}]
    assert body["messages"][0]["id"].startswith("wamid.")


def test_whatsapp_accepts_the_graph_version_segment_and_reads_back(client: TestClient) -> None:
    """/v21.0/{id}/messages works too, and GET .../messages returns what was sent, newest first."""
    first = client.post(
        f"/sinks/whatsapp/v21.0/{PHONE_ID}/messages", json=_message(to="+1 555 0100 003"),
        headers=WHATSAPP,
    )  # fmt: skip
    assert first.status_code == 200, first.text
    second = client.post(
        f"/sinks/whatsapp/{PHONE_ID}/messages", json=_message(to="15550100009"), headers=WHATSAPP
    )
    read = client.get(f"/sinks/whatsapp/{PHONE_ID}/messages", headers=WHATSAPP).json()
    assert [m["id"] for m in read["data"]] == [
        second.json()["messages"][0]["id"],
        first.json()["messages"][0]["id"],
    ]
    assert read["data"][1]["wa_id"] == "15550100003"
    assert read["data"][1]["text"]["body"] == "Accept: http://site.test/invites/abc"
    only = client.get(
        f"/sinks/whatsapp/{PHONE_ID}/messages", params={"to": "+15550100003"}, headers=WHATSAPP
    ).json()
    assert [m["wa_id"] for m in only["data"]] == ["15550100003"]


def test_whatsapp_refuses_a_wrong_token_or_phone_number_id(client: TestClient) -> None:
    """A wrong token: 401 OAuthException code 190; an unknown phone number id: 400 code 100."""
    wrong = client.post(
        f"/sinks/whatsapp/{PHONE_ID}/messages", json=_message(),
        headers={"Authorization": "Bearer nope"},
    )  # fmt: skip
    assert wrong.status_code == 401
    assert wrong.json()["error"]["type"] == "OAuthException"
    assert wrong.json()["error"]["code"] == 190
    unknown = client.post("/sinks/whatsapp/999/messages", json=_message(), headers=WHATSAPP)
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == 100
    assert "'999' does not exist" in unknown.json()["error"]["message"]


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"messaging_product": None}, "messaging_product"),
        ({"to": None}, "to"),
        ({"text": {}}, "text['body']"),
    ],
)
def test_whatsapp_validation_errors(
    client: TestClient, changes: dict[str, object], param: str
) -> None:
    """A message missing a required parameter: 400 '(#100) The parameter X is required.'"""
    answer = client.post(
        f"/sinks/whatsapp/{PHONE_ID}/messages", json=_message(**changes), headers=WHATSAPP
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == f"(#100) The parameter {param} is required."


def test_sinks_keep_what_they_received_across_a_restart(sinks_dir: Path) -> None:
    """Records are appended to sinks/*.jsonl and read back by a new gateway on the same dir."""
    with _client(sinks_dir) as before:
        email_id = before.post("/sinks/resend/emails", json=_email(), headers=RESEND).json()["id"]
        wamid = before.post(
            f"/sinks/whatsapp/{PHONE_ID}/messages", json=_message(), headers=WHATSAPP
        ).json()["messages"][0]["id"]
    assert (sinks_dir / "resend.jsonl").read_text().count("\n") == 1
    with _client(sinks_dir) as after:
        assert after.get(f"/sinks/resend/emails/{email_id}", headers=RESEND).status_code == 200
        read = after.get(f"/sinks/whatsapp/{PHONE_ID}/messages", headers=WHATSAPP).json()
        assert [m["id"] for m in read["data"]] == [wamid]


def test_resend_keeps_the_teams_rate_limit_like_resend(sinks_dir: Path) -> None:
    """At 2 requests a second, sends and reads alike: five requests within a second get at
    most four answers (two per second-long window) and the rest 429 rate_limit_exceeded, with
    Resend's message, its ratelimit headers and retry-after; a wrong key is not counted."""
    routes = sink_routes(sinks_dir, RESEND_KEY, WA_TOKEN, PHONE_ID, resend_rate_limit=2)
    with TestClient(Starlette(routes=[Mount("/sinks", routes=routes)])) as client:
        wrong = client.get("/sinks/resend/emails", headers={"Authorization": "Bearer x"})
        assert wrong.status_code == 403 and "ratelimit-limit" not in wrong.headers
        answers = [client.post("/sinks/resend/emails", json=_email(), headers=RESEND)]
        answers += [client.get("/sinks/resend/emails", headers=RESEND) for _ in range(4)]
    refused = [a for a in answers if a.status_code == 429]
    assert 1 <= len(refused) <= 3, [a.status_code for a in answers]
    assert answers[0].status_code == 200 and answers[0].headers["ratelimit-limit"] == "2"
    assert refused[0].json() == {
        "statusCode": 429,
        "name": "rate_limit_exceeded",
        "message": "Too many requests. You can only make 2 requests per second. See rate limit "
        "response headers for more information. Or contact support to increase rate limit.",
    }
    assert refused[0].headers["retry-after"] == "1"
    assert refused[0].headers["ratelimit-remaining"] == "0"
