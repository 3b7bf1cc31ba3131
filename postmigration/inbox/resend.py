"""Email read back through Resend's API: the real one (api.resend.com) or the local sink.

Same code for both: ``GET {base}/emails`` lists the newest emails, ``GET {base}/emails/{id}``
gives one with its text and HTML. Only the base URL and the API key differ. A recipient's
emails are read newest first, each body only when looked at, so finding the newest invite
costs two requests, not one per email of the last minutes. Reads keep to the team's rate limit
and leave the app its share (see pacing.py); a 429 is waited out as its answer asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, overload

import httpx

from postmigration.inbox.base import InboxError, Message
from postmigration.inbox.pacing import ReadPacer
from postmigration.redact import excerpt
from postmigration.trust import http_client

__all__ = ["ResendInbox", "parse_time"]

RESEND_API_URL = "https://api.resend.com"
_PAGE = 100
_MAX_PAGES = 3  # the invite is recent: three pages of the newest emails are plenty
_ADDRESS = re.compile(r"<\s*([^<>\s]+)\s*>")
# A read refused with 429 this many times in a row: the team's limit is used by others.
_RATE_LIMITED_TRIES = 5


def parse_time(value: Any) -> datetime | None:
    """A provider timestamp ("2024-05-01 10:00:00.123+00" or ISO 8601) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d\d$", text):
        text += ":00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _address(value: str) -> str:
    match = _ADDRESS.search(value)
    return (match.group(1) if match else value).strip().lower()


class ResendInbox:
    """Emails sent through Resend, read back through Resend's own API."""

    def __init__(
        self,
        api_url: str | None,
        api_key: str,
        http: httpx.Client | None = None,
        pacer: ReadPacer | None = None,
    ) -> None:
        self.base = (api_url or RESEND_API_URL).rstrip("/")
        self.name = f"Resend ({self.base})"
        self._key = api_key
        self._http = http or http_client(timeout=15)
        self._full: dict[str, Message] = {}
        self._pacer = pacer or ReadPacer(self.base, api_key)

    def _answer(self, path: str, params: dict[str, Any] | None) -> httpx.Response:
        """The answer to one read, spaced by the pacer; a 429 waited out and asked again."""
        url = f"{self.base}{path}"
        for attempt in range(1, _RATE_LIMITED_TRIES + 1):
            self._pacer.before_read()
            try:
                response = self._http.get(
                    url, params=params, headers={"Authorization": f"Bearer {self._key}"}
                )
            except httpx.HTTPError as exc:
                raise InboxError(f"Resend API at {self.base} could not be reached: {exc}") from None
            self._pacer.after_answer(response.headers)
            if response.status_code != 429:
                return response
            if attempt < _RATE_LIMITED_TRIES:  # no wait after the last refusal
                self._pacer.wait_out(response.headers)
        limit = response.headers.get("ratelimit-limit")
        raise InboxError(
            f"Resend API refused GET {path} {_RATE_LIMITED_TRIES} times in a row with 429 (rate "
            f"limit{f' of {limit} requests per second' if limit else ''}): the team's requests "
            "are being used by other traffic"
        )

    def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self._answer(path, params)
        if response.status_code != 200:
            try:
                detail = response.json().get("message") or response.text
            except ValueError:
                detail = response.text
            raise InboxError(
                f"Resend API refused GET {path}: {response.status_code} {excerpt(str(detail), 200)}"
            )
        body = response.json()
        if not isinstance(body, dict):
            raise InboxError(f"Resend API answered GET {path} with something other than an object")
        return body

    def _summaries(self, since: datetime | None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": _PAGE}
        for _ in range(_MAX_PAGES):
            page = self._get("/emails", params)
            data = [e for e in page.get("data") or [] if isinstance(e, dict)]
            found += data
            oldest = parse_time(data[-1].get("created_at")) if data else None
            if not page.get("has_more") or not data or (since and oldest and oldest < since):
                break
            params = {"limit": _PAGE, "after": data[-1]["id"]}
        return found

    def _message(self, email_id: str) -> Message:
        if email_id not in self._full:
            raw = self._get(f"/emails/{email_id}")
            self._full[email_id] = Message(
                channel="email",
                id=str(raw.get("id") or email_id),
                to=tuple(_address(a) for a in raw.get("to") or ()),
                subject=str(raw.get("subject") or ""),
                text=str(raw.get("text") or ""),
                html=str(raw.get("html") or ""),
                created_at=parse_time(raw.get("created_at")),
                raw=raw,
            )
        return self._full[email_id]

    def messages(self, recipient: str, since: datetime | None = None) -> Sequence[Message]:
        """Emails to `recipient` (newest first), with their text and HTML, each read when the
        caller first looks at it."""
        wanted = _address(recipient)
        result: list[str] = []
        for summary in self._summaries(since):
            to = summary.get("to") or []
            if isinstance(to, str):
                to = [to]
            if wanted not in {_address(a) for a in to}:
                continue
            created = parse_time(summary.get("created_at"))
            if since is not None and created is not None and created < since:
                continue
            result.append(str(summary["id"]))
        return _Emails(result, self._message)


class _Emails(Sequence[Message]):
    """Emails by id, newest first; each one's body is read when first looked at."""

    def __init__(self, ids: list[str], read: Callable[[str], Message]) -> None:
        self._ids = ids
        self._read = read

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> Message: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Message]: ...
    def __getitem__(self, index: int | slice) -> Message | Sequence[Message]:
        if isinstance(index, slice):
            return [self._read(email_id) for email_id in self._ids[index]]
        return self._read(self._ids[index])
