"""What every inbox shares: a message, the adapter interface, and a bounded backing-off wait."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from postmigration.inbox.links import link_tokens
from postmigration.redact import learn_secret

__all__ = ["Inbox", "InboxError", "Message", "NoMessageError", "wait_for_message"]


class InboxError(Exception):
    """The inbox could not be read (provider refused, unreachable, misconfigured)."""


class NoMessageError(AssertionError):
    """No matching message arrived within the wait; the message says what was seen instead."""


@dataclass(frozen=True)
class Message:
    """One message as the recipient would get it, whatever the channel."""

    channel: str  # "email" | "whatsapp" | "in-app"
    id: str
    to: tuple[str, ...]
    subject: str
    text: str
    html: str = ""
    created_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def body(self) -> str:
        """Everything a reader can see: subject, text and HTML."""
        return "\n".join(part for part in (self.subject, self.text, self.html) if part)


@runtime_checkable
class Inbox(Protocol):
    """A place where the invitee's messages can be read back (a provider API, a mailbox, a table)."""

    name: str

    def messages(self, recipient: str, since: datetime | None = None) -> Sequence[Message]:
        """Messages to `recipient` (an email address or phone number), newest first."""
        ...


def wait_for_message(
    inbox: Inbox,
    recipient: str,
    matches: Callable[[Message], bool],
    *,
    what: str,
    since: datetime | None = None,
    timeout_s: float = 30.0,
    first_step_s: float = 0.2,
    max_step_s: float = 3.0,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> Message:
    """Poll `inbox` with growing pauses until a message to `recipient` matches; bounded by `timeout_s`.

    Messages are looked at in the inbox's order (newest first) up to the first match, so an
    inbox that reads each body when first looked at (Resend's) reads no more than it needs. The
    tokens in the links of every message looked at (an invite's, a magic link's) are learned as
    secrets: no report shows them. Raises NoMessageError naming `what`, the wait, and how many
    other messages were seen.
    """
    deadline = clock() + timeout_s
    step = first_step_s
    seen: Sequence[Message] = ()
    while True:
        seen = inbox.messages(recipient, since)
        for message in seen:
            for token in link_tokens(message.body):
                learn_secret(token)
            if matches(message):
                return message
        remaining = deadline - clock()
        if remaining <= 0:
            break
        pause(min(step, remaining))
        step = min(step * 1.7, max_step_s)
    others = f"; {len(seen)} other message(s) to {recipient} arrived" if seen else ""
    raise NoMessageError(f"{what} did not arrive in {inbox.name} within {timeout_s:.0f}s{others}")
