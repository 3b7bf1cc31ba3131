"""A real mailbox read over IMAP, for teams whose invitee address is a mailbox they can log into.

Configured by one URL: ``imaps://USER:PASSWORD@HOST[:993][/MAILBOX]`` (``imap://`` for plain,
e.g. a local test server). Messages are found with ``SEARCH SINCE <day> TO "<recipient>"``.
"""

from __future__ import annotations

import contextlib
import email
import imaplib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import getaddresses, parsedate_to_datetime
from typing import cast
from urllib.parse import unquote, urlsplit

from postmigration.inbox.base import InboxError, Message

__all__ = ["ImapInbox"]

_FETCH_LIMIT = 50


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if text is not None else "",
        html.get_content() if html is not None else "",
    )


class ImapInbox:
    """A mailbox on an IMAP server; read only (it selects the mailbox read-only)."""

    def __init__(
        self,
        url: str,
        *,
        connect: Callable[[str, int, bool], imaplib.IMAP4] | None = None,
        timeout_s: float = 15.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise InboxError("the IMAP inbox needs a URL like imaps://USER:PASSWORD@HOST:993/INBOX")
        self.host = parts.hostname
        self.tls = parts.scheme == "imaps"
        self.port = parts.port or (993 if self.tls else 143)
        self.user = unquote(parts.username)
        self._password = unquote(parts.password or "")
        self.mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
        self.name = f"the mailbox {self.user} at {self.host}"
        self._timeout = timeout_s
        self._connect = connect or self._default_connect

    def _default_connect(self, host: str, port: int, tls: bool) -> imaplib.IMAP4:
        if tls:
            return imaplib.IMAP4_SSL(host, port, timeout=self._timeout)
        return imaplib.IMAP4(host, port, timeout=self._timeout)

    def messages(self, recipient: str, since: datetime | None = None) -> Sequence[Message]:
        """Messages addressed to `recipient`, newest first (those before `since` left out)."""
        try:
            conn = self._connect(self.host, self.port, self.tls)
        except OSError as exc:
            raise InboxError(f"{self.name} could not be reached: {exc}") from None
        try:
            conn.login(self.user, self._password)
            status, _ = conn.select(self.mailbox, readonly=True)
            if status != "OK":
                raise InboxError(f"{self.name} has no mailbox {self.mailbox!r}")
            criteria = ["TO", f'"{recipient}"']
            if since is not None:
                criteria = ["SINCE", since.astimezone(UTC).strftime("%d-%b-%Y"), *criteria]
            status, data = conn.search(None, *criteria)
            if status != "OK":
                raise InboxError(f"{self.name} refused the search: {data!r}")
            numbers = (data[0] or b"").split()[-_FETCH_LIMIT:]
            found = [self._fetch(conn, n) for n in reversed(numbers)]
        except imaplib.IMAP4.error as exc:
            raise InboxError(f"{self.name}: {exc}") from None
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()
        wanted = recipient.lower()
        return [
            m
            for m in found
            if wanted in m.to and (since is None or m.created_at is None or m.created_at >= since)
        ]

    def _fetch(self, conn: imaplib.IMAP4, number: bytes) -> Message:
        status, data = conn.fetch(number.decode(), "(RFC822)")
        raw = next((item[1] for item in data if isinstance(item, tuple)), None)
        if status != "OK" or not isinstance(raw, bytes):
            raise InboxError(f"{self.name} did not return message {number.decode()}")
        parsed = cast(EmailMessage, email.message_from_bytes(raw, policy=default_policy))
        text, html = _parts(parsed)
        try:
            created = parsedate_to_datetime(str(parsed["Date"])) if parsed["Date"] else None
        except (TypeError, ValueError):
            created = None
        to = tuple(
            addr.lower() for _, addr in getaddresses([str(v) for v in parsed.get_all("To", [])])
        )
        return Message(
            channel="email",
            id=str(parsed["Message-ID"] or number.decode()),
            to=to,
            subject=str(parsed["Subject"] or ""),
            text=text,
            html=html,
            created_at=created,
        )
