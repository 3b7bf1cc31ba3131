"""WhatsApp messages read back from a WhatsApp Cloud API-compatible sink.

The real Cloud API has no endpoint listing sent messages (delivery is reported by webhook), so
against Meta only the send is provable (the function's ``wamid`` id); a sink that records what
it received (the local stand-in's, or a team's own webhook store) offers
``GET {api_url}/{phone_number_id}/messages?to=`` and is read here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import httpx

from postmigration.inbox.base import InboxError, Message
from postmigration.inbox.resend import parse_time
from postmigration.redact import excerpt
from postmigration.trust import http_client

__all__ = ["WhatsAppSinkInbox", "digits"]


def digits(phone: str) -> str:
    """A phone number as the Cloud API's ``wa_id``: digits only."""
    return re.sub(r"\D", "", phone)


class WhatsAppSinkInbox:
    """Messages the app sent through the WhatsApp Cloud API, as a recording sink kept them."""

    def __init__(
        self, api_url: str, token: str, phone_number_id: str, http: httpx.Client | None = None
    ) -> None:
        self.base = api_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self.name = f"WhatsApp sink ({self.base})"
        self._token = token
        self._http = http or http_client(timeout=15)

    def messages(self, recipient: str, since: datetime | None = None) -> Sequence[Message]:
        """Messages to the phone number `recipient`, newest first."""
        url = f"{self.base}/{self.phone_number_id}/messages"
        try:
            response = self._http.get(
                url,
                params={"to": digits(recipient)},
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.HTTPError as exc:
            raise InboxError(
                f"the WhatsApp sink at {self.base} could not be reached: {exc}"
            ) from None
        if response.status_code != 200:
            raise InboxError(
                f"the WhatsApp sink refused the read-back: {response.status_code} {excerpt(response.text, 200)}"
            )
        result = []
        for raw in response.json().get("data") or []:
            created = parse_time(raw.get("created_at"))
            if since is not None and created is not None and created < since:
                continue
            if digits(str(raw.get("to") or raw.get("wa_id") or "")) != digits(recipient):
                continue
            text = raw.get("text") if isinstance(raw.get("text"), dict) else {}
            result.append(
                Message(
                    channel="whatsapp",
                    id=str(raw.get("id") or ""),
                    to=(digits(str(raw.get("to") or "")),),
                    subject="",
                    text=str(text.get("body") or ""),
                    created_at=created,
                    raw=raw,
                )
            )
        return result
