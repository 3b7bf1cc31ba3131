"""The app's own in-app notifications table, read as the recipient (under RLS)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from postmigration.inbox.base import InboxError, Message
from postmigration.inbox.resend import parse_time

__all__ = ["NotificationsInbox"]


class NotificationsInbox:
    """Rows of the notifications table the signed-in recipient can read.

    ``client`` is a supabase-py client signed in as the recipient; RLS decides what it sees,
    exactly as the app's own screen does. ``table`` is the app's notifications table
    (``app_profile.table("notifications")``).
    """

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self.table = table
        self.name = f"the app's {table} table"

    def messages(self, recipient: str, since: datetime | None = None) -> Sequence[Message]:
        """The recipient's notifications, newest first (``recipient`` is the signed-in user)."""
        query = self._client.table(self.table).select("*").order("created_at", desc=True)
        if since is not None:
            query = query.gte("created_at", since.isoformat())
        try:
            rows = query.limit(100).execute().data or []
        except Exception as exc:  # postgrest.APIError carries the server's message
            raise InboxError(f"reading {self.table} as {recipient} failed: {exc}") from None
        return [
            Message(
                channel="in-app",
                id=str(row.get("id")),
                to=(recipient,),
                subject=str(row.get("title") or ""),
                text=str(row.get("body") or ""),
                html=json.dumps(row.get("data") or {}),
                created_at=parse_time(row.get("created_at")),
                raw=row,
            )
            for row in rows
        ]
