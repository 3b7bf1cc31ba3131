"""Did the invitee get it? Inbox adapters behind one interface, chosen by the target's settings.

- :class:`ResendInbox`: emails through Resend's API (api.resend.com or the local sink).
- :class:`WhatsAppSinkInbox`: WhatsApp Cloud API messages kept by a recording sink.
- :class:`ImapInbox`: a real mailbox over IMAP.
- :class:`NotificationsInbox`: the app's own in-app notifications table.

``wait_for_message`` polls any of them with a bounded, backing-off wait.
"""

from __future__ import annotations

import os

import httpx

from postmigration.config import Target
from postmigration.inbox.base import Inbox, InboxError, Message, NoMessageError, wait_for_message
from postmigration.inbox.imap import ImapInbox
from postmigration.inbox.links import (
    invite_link_problems,
    link_problems,
    links_in,
    origin_of,
    site_links,
)
from postmigration.inbox.notifications import NotificationsInbox
from postmigration.inbox.resend import ResendInbox
from postmigration.inbox.whatsapp import WhatsAppSinkInbox, digits

__all__ = [
    "ImapInbox",
    "Inbox",
    "InboxError",
    "Message",
    "NoMessageError",
    "NotificationsInbox",
    "ResendInbox",
    "WhatsAppSinkInbox",
    "digits",
    "email_inbox",
    "invite_link_problems",
    "link_problems",
    "links_in",
    "origin_of",
    "site_links",
    "wait_for_message",
    "whatsapp_inbox",
]


def email_inbox(target: Target, http: httpx.Client | None = None) -> Inbox | None:
    """The inbox the target's emails can be read from, or None when none is configured.

    ``email = "resend"`` reads Resend's API with ``resend_api_url``/``resend_api_key``;
    ``email = "imap"`` reads the mailbox at ``imap_url`` of ``[targets.NAME.inbox]`` (a secret:
    write it as ``"${VAR}"``, or set ``<TARGET>_IMAP_URL``); ``<TARGET>_INBOX_IMAP_URL`` in the
    environment still works when the file has none.
    """
    kind = (target.inbox.email or "").lower()
    if kind == "resend" and target.inbox.resend_api_key:
        return ResendInbox(target.inbox.resend_api_url, target.inbox.resend_api_key, http)
    if kind == "imap":
        url = target.inbox.imap_url or os.environ.get(target.env_name("inbox_imap_url"))
        return ImapInbox(url) if url else None
    return None


def whatsapp_inbox(target: Target, http: httpx.Client | None = None) -> Inbox | None:
    """A read-back of WhatsApp messages when the target names a recording sink, else None."""
    inbox = target.inbox
    if (
        (inbox.whatsapp or "").lower() == "whatsapp-cloud"
        and inbox.whatsapp_api_url
        and inbox.whatsapp_token
        and inbox.whatsapp_phone_number_id
        and "graph.facebook.com" not in inbox.whatsapp_api_url
    ):
        return WhatsAppSinkInbox(
            inbox.whatsapp_api_url, inbox.whatsapp_token, inbox.whatsapp_phone_number_id, http
        )
    return None
