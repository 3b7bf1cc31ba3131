"""Units for the inbox adapters: IMAP against a tiny local IMAP server, Resend's read-back and the
backing-off wait against in-process fakes, and the link rules."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from postmigration.inbox import (
    ImapInbox,
    InboxError,
    Message,
    NoMessageError,
    ResendInbox,
    link_problems,
    links_in,
    wait_for_message,
)

SITE = "https://app.new.example"
OLD = "https://app.old.example"


def _mail(to: str, subject: str, link: str) -> bytes:
    message = EmailMessage()
    message["From"] = "App <noreply@app.example>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Wed, 25 Nov 2026 10:00:00 +0000"
    message["Message-ID"] = f"<{abs(hash(subject))}@app.example>"
    message.set_content(f"Open {link}")
    message.add_alternative(f'<p><a href="{link}">Open</a></p>', subtype="html")
    return bytes(message)


class _ImapHandler(socketserver.StreamRequestHandler):
    """Just enough IMAP4rev1 for imaplib: LOGIN, EXAMINE/SELECT, SEARCH TO, FETCH RFC822."""

    mails: list[bytes] = []
    password = "secret-pw"

    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.send("* OK IMAP4rev1 ready")
        for raw in self.rfile:
            tag, _, rest = raw.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
            elif command == "LOGIN":
                if not args.endswith(self.password) and not args.endswith(f'"{self.password}"'):
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                    continue
            elif command in ("SELECT", "EXAMINE"):
                self.send(f"* {len(self.mails)} EXISTS")
            elif command == "SEARCH":
                wanted = args.rsplit("TO ", 1)[-1].strip('"').lower()
                hits = [
                    str(i + 1) for i, m in enumerate(self.mails) if wanted in m.decode().lower()
                ]
                self.send("* SEARCH " + " ".join(hits))
            elif command == "FETCH":
                number = int(args.split()[0])
                data = self.mails[number - 1]
                self.wfile.write(f"* {number} FETCH (RFC822 {{{len(data)}}}\r\n".encode() + data)
                self.send(")")
            elif command == "LOGOUT":
                self.send("* BYE")
                self.send(f"{tag} OK LOGOUT completed")
                return
            self.send(f"{tag} OK {command} completed")


@pytest.fixture
def imap_server() -> Iterator[tuple[str, int]]:
    """A local IMAP server on a free port holding two emails to two people."""
    _ImapHandler.mails = [
        _mail("invitee@lms.test", "You are invited to pm-1a2b3c goal", f"{SITE}/invites/t1"),
        _mail("someone@lms.test", "Other", f"{OLD}/x"),
    ]
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _ImapHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[0], server.server_address[1]
    server.shutdown()
    server.server_close()


def test_imap_inbox_reads_the_recipients_mail(imap_server: tuple[str, int]) -> None:
    """Only the recipient's email comes back, with subject, text, HTML and its link."""
    host, port = imap_server
    inbox = ImapInbox(f"imap://reader:secret-pw@{host}:{port}/INBOX")
    found = inbox.messages("invitee@lms.test", since=datetime(2026, 11, 1, tzinfo=UTC))
    assert [m.subject for m in found] == ["You are invited to pm-1a2b3c goal"]
    assert found[0].to == ("invitee@lms.test",)
    assert links_in(found[0].body) == [f"{SITE}/invites/t1"]


def test_imap_inbox_wrong_password_is_one_clear_error(imap_server: tuple[str, int]) -> None:
    """A refused login is an InboxError naming the mailbox, never a raw imaplib traceback."""
    host, port = imap_server
    with pytest.raises(InboxError, match="the mailbox reader at 127.0.0.1"):
        ImapInbox(f"imap://reader:wrong@{host}:{port}").messages("invitee@lms.test")


def test_imap_inbox_needs_a_url() -> None:
    """A URL that is not imap(s)://user:password@host says what it needs."""
    with pytest.raises(InboxError, match="imaps://USER:PASSWORD@HOST"):
        ImapInbox("https://mail.example")


def _resend(emails: list[dict[str, Any]], key: str = "re_test") -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {key}":
            return httpx.Response(403, json={"statusCode": 403, "message": "API key is invalid"})
        if request.url.path == "/emails":
            return httpx.Response(200, json={"object": "list", "has_more": False, "data": emails})
        email_id = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, json=next(e for e in emails if e["id"] == email_id))

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.resend.test")


def test_resend_inbox_filters_by_recipient_and_reads_the_body() -> None:
    """Summaries are filtered by `to` and `since`; the full email (text, HTML) is read once."""
    emails = [
        {"id": "e2", "to": ["Ivan <invitee@lms.test>"], "subject": "new", "text": f"{SITE}/i",
         "created_at": "2026-11-25 10:00:00.1+00"},
        {"id": "e1", "to": ["invitee@lms.test"], "subject": "old", "text": "",
         "created_at": "2026-11-20 10:00:00+00"},
        {"id": "e0", "to": ["other@lms.test"], "subject": "x", "created_at": "2026-11-25T10:00:00Z"},
    ]  # fmt: skip
    inbox = ResendInbox("https://api.resend.test", "re_test", _resend(emails))
    found = inbox.messages("invitee@lms.test", since=datetime(2026, 11, 24, tzinfo=UTC))
    assert [m.id for m in found] == ["e2"]
    assert found[0].text == f"{SITE}/i"


def test_resend_inbox_refusal_names_the_status() -> None:
    """A wrong key is an InboxError with Resend's status and message."""
    inbox = ResendInbox("https://api.resend.test", "re_wrong", _resend([]))
    with pytest.raises(InboxError, match="403 API key is invalid"):
        inbox.messages("invitee@lms.test")


class _SlowInbox:
    name = "a slow inbox"

    def __init__(self, arrives_after: int) -> None:
        self.calls = 0
        self.arrives_after = arrives_after

    def messages(self, recipient: str, since: datetime | None = None) -> list[Message]:
        self.calls += 1
        if self.calls < self.arrives_after:
            return [Message("email", "n", (recipient,), "noise", "")]
        return [Message("email", "m", (recipient,), "the invite", "")]


def test_wait_backs_off_and_is_bounded() -> None:
    """The wait polls with growing pauses, returns the match, and gives up at its bound."""
    now = [0.0]
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds

    found = wait_for_message(
        _SlowInbox(4), "x@lms.test", lambda m: m.subject == "the invite", what="the invite",
        clock=lambda: now[0], pause=pause,
    )  # fmt: skip
    assert found.id == "m"
    assert pauses == sorted(pauses) and pauses[0] < pauses[-1]
    now[0] = 0.0
    with pytest.raises(
        NoMessageError, match=r"the invite did not arrive in a slow inbox within 5s; 1 other"
    ):
        wait_for_message(
            _SlowInbox(10**6), "x@lms.test", lambda m: m.subject == "the invite",
            what="the invite", timeout_s=5, clock=lambda: now[0], pause=pause,
        )  # fmt: skip
    assert now[0] == pytest.approx(5.0)


def test_link_rules_catch_the_old_origin_and_a_missing_site_link() -> None:
    """An old-origin link is named as such; a message with no link to the site says so."""
    assert link_problems([f"{SITE}/invites/t"], SITE, [OLD], what="the email") == []
    stale = link_problems([f"{OLD}/invites/t"], SITE, [OLD], what="the email")
    assert (
        stale[0]
        == f"the email links to the OLD server: {OLD}/invites/t (SITE_URL or stored URLs still point there)"
    )
    assert "has no link to the site" in stale[1]
    assert links_in('<a href="https://a.example/x?a=1&amp;b=2">go</a>.') == [
        "https://a.example/x?a=1&b=2"
    ]
