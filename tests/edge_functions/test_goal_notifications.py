"""Post-migration: "Create goal with invite; invitee receives email/WhatsApp and sees in-app card".

Through the API: the user creates a goal inviting the invitee and calls goal-notifications as
the app does; then each channel is read back the way the invitee would get it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.functions import invoke_as
from postmigration.inbox import (
    Inbox,
    Message,
    NotificationsInbox,
    email_inbox,
    invite_link_problems,
    wait_for_message,
    whatsapp_inbox,
)
from postmigration.once_per_run import once_per_run, shared_folder
from postmigration.origins import old_origins
from postmigration.refusals import Refused, attempt

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [
    pytest.mark.postmigration,
    pytest.mark.edge_functions,
    pytest.mark.item("goal-invite"),
]

WAIT_S = 30.0
# Provider clocks differ from ours: look back a little, and match on the goal's unique title.
CLOCK_SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class SentInvite:
    """A goal with one invite, after goal-notifications answered for it (or why it did not)."""

    title: str
    since: datetime
    function: str
    goal_id: str = ""
    invite_id: str = ""
    answer: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None

    def require_sent(self) -> SentInvite:
        """Fail the calling test (a failed check, not a setup error) when the send failed."""
        if self.problem:
            pytest.fail(self.problem, pytrace=False)
        return self

    def arrival(
        self, inbox: Inbox, recipient: str, matches: Callable[[Message], bool], what: str
    ) -> Message:
        """The message about this invite once it reaches `inbox`; fails after WAIT_S."""
        return wait_for_message(
            inbox, recipient, matches, what=what, since=self.since, timeout_s=WAIT_S
        )

    def to_wire(self) -> dict[str, Any]:
        """A JSON-safe copy, for the other xdist workers of the run."""
        return {**asdict(self), "since": self.since.isoformat()}

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> SentInvite:
        """The inverse of to_wire."""
        return cls(**{**data, "since": datetime.fromisoformat(data["since"])})


@pytest.fixture(scope="session")
def sent_invite(
    request: pytest.FixtureRequest,
    target: Target,
    accounts: Accounts,
    signed_in: Callable[[str], Client],
    created: Created,
    http: httpx.Client,
    app_profile: AppProfile,
) -> SentInvite:
    """The user's goal inviting the invitee by email and phone, sent by goal-notifications
    once per run: under xdist by the first worker that needs it, so the invitee gets one invite
    (its rows then go with the controller's final sweep of the run's tag, once every worker is
    done with them, not with that worker's cleanup). Session-scoped: the test that sends it
    runs with the long ones (``slow``), the others with the short ones, and a run alone still
    sends it once."""
    target.require_writable()
    folder = shared_folder(request.config)

    def send() -> SentInvite:
        return _send_invite(
            accounts, signed_in, created, http, target, app_profile, register=folder is None
        )

    return once_per_run(folder, "goal-invite-sent", send, SentInvite.to_wire, SentInvite.from_wire)


def _send_invite(
    accounts: Accounts,
    signed_in: Callable[[str], Client],
    created: Created,
    http: httpx.Client,
    target: Target,
    app_profile: AppProfile,
    *,
    register: bool,
) -> SentInvite:
    invitee = accounts["invitee"]
    user = signed_in("user")
    since = datetime.now(UTC) - CLOCK_SLACK
    title = created.label("goal")
    function = app_profile.function("goal_notifications")
    goals = app_profile.table("goals")
    if register:
        created.row(app_profile.table("notifications"), title, column="body")
        created.row(goals, title, column="title")  # its invites go with it

    def goal_with_invite() -> tuple[dict[str, Any], dict[str, Any]]:
        goal = user.table(goals).insert({"title": title}).execute().data[0]
        invite = (
            user.table(app_profile.table("goal_invites"))
            .insert(
                {
                    "goal_id": goal["id"],
                    "invitee_email": invitee.email,
                    "invitee_phone": invitee.phone,
                }
            )
            .execute()
            .data[0]
        )
        return goal, invite

    made = attempt(goal_with_invite)
    if isinstance(made, Refused):
        return SentInvite(
            title,
            since,
            function,
            problem=f"the user cannot create a goal with an invite: {made.message}",
        )
    goal, invite = made
    answer = invoke_as(http, target, function, {"goal_id": goal["id"]}, user)
    body = answer.body if isinstance(answer.body, dict) else {}
    problem = answer.problem()
    return SentInvite(
        title,
        since,
        function,
        goal["id"],
        invite["id"],
        body,
        problem=f"the invite was not sent: {problem}" if problem else None,
    )


def _sent_entry(sent_invite: SentInvite) -> dict[str, Any]:
    sent_invite.require_sent()
    for sent in sent_invite.answer.get("sent") or []:
        if sent.get("invite_id") == sent_invite.invite_id:
            return dict(sent)
    pytest.fail(
        f"{sent_invite.function} answered but did not send the invite (its answer lists "
        f"{len(sent_invite.answer.get('sent') or [])} sent invite(s))",
        pytrace=False,
    )


# Sending the invite (the fixture) is most of a second of round trips the other tests of this
# module then read: marked slow, it runs early, so that under xdist the other worker finds the
# invite sent instead of waiting on the first one's lock.
@pytest.mark.slow
def test_goal_notifications_sends_the_invite(
    sent_invite: SentInvite,
    signed_in: Callable[[str], Client],
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """The function answers 200, names the email it sent, and marks the invite sent."""
    sent = _sent_entry(sent_invite)
    evidence.text("goal-notifications answered", str(sent_invite.answer))
    problems = []
    if not sent.get("email_id"):
        problems.append(f"{sent_invite.function} sent no email for the invite")
    invite = (
        signed_in("user")
        .table(app_profile.table("goal_invites"))
        .select("status,sent_at")
        .eq("id", sent_invite.invite_id)
        .execute()
        .data
    )
    if not invite or invite[0]["status"] != "sent" or not invite[0]["sent_at"]:
        problems.append(f"the invite is not marked sent ({invite[0] if invite else 'not found'})")
    fail_on(problems, f"{sent_invite.function} did not do its job")


def test_invitee_email_arrives_with_a_link_to_the_new_site(
    sent_invite: SentInvite,
    target: Target,
    comparison_target: Target | None,
    accounts: Accounts,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """The invitee's email arrives (read back from the provider), links to SITE_URL and to no
    old origin (a link to another origin, such as a CDN, is not judged); each link to the site,
    followed redirect by redirect, answers 200 and never passes an old origin."""
    sent_invite.require_sent()
    inbox = email_inbox(target, http)
    if inbox is None:
        pytest.skip(
            f"not configured: no inbox to read the invitee's email from "
            f'(set [targets.{target.name}.inbox] email = "resend" and resend_api_key)'
        )
    invitee = accounts["invitee"]
    message = sent_invite.arrival(
        inbox,
        invitee.email,
        lambda m: sent_invite.title in m.body,
        f'the invite email for "{sent_invite.title}" to {invitee.email}',
    )
    evidence.text("email received", f"{message.subject}\n\n{message.text or message.html}")
    _check_links(message, target, comparison_target, http, evidence, "the invite email")


def test_invitee_whatsapp_message_is_recorded(
    sent_invite: SentInvite,
    target: Target,
    comparison_target: Target | None,
    accounts: Accounts,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """The provider accepted a WhatsApp message for the invitee's phone (and, where it can be
    read back, the message links to SITE_URL and to no old origin, and each link to the site,
    followed redirect by redirect, answers 200 and never passes an old origin)."""
    invitee = accounts["invitee"]
    if not invitee.phone:
        pytest.skip("not configured: [accounts.invitee] has no phone for the WhatsApp invite")
    sent = _sent_entry(sent_invite)
    if not sent.get("whatsapp_message_id"):
        pytest.fail(
            f"{sent_invite.function} sent no WhatsApp message to {invitee.phone} (its answer: {sent})",
            pytrace=False,
        )
    inbox = whatsapp_inbox(target, http)
    if inbox is None:
        evidence.text("WhatsApp", f"accepted by the provider as {sent['whatsapp_message_id']}")
        return
    message = sent_invite.arrival(
        inbox,
        invitee.phone,
        lambda m: m.id == sent["whatsapp_message_id"] or sent_invite.title in m.body,
        f"the WhatsApp invite to {invitee.phone}",
    )
    evidence.text("WhatsApp message recorded", message.text)
    _check_links(message, target, comparison_target, http, evidence, "the WhatsApp invite")


def test_invitee_gets_the_in_app_notification(
    sent_invite: SentInvite,
    accounts: Accounts,
    signed_in: Callable[[str], Client],
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """The invitee, signed in, can read the invite's notification (the in-app card's data)."""
    sent_invite.require_sent()
    invitee = accounts["invitee"]
    message = sent_invite.arrival(
        NotificationsInbox(signed_in("invitee"), app_profile.table("notifications")),
        invitee.email,
        lambda m: sent_invite.title in m.body,
        f'the in-app notification for "{sent_invite.title}"',
    )
    evidence.text("notification", f"{message.subject}: {message.text}")


def _check_links(
    message: Message,
    target: Target,
    comparison_target: Target | None,
    http: httpx.Client,
    evidence: Evidence,
    what: str,
) -> None:
    """The message links to SITE_URL, never to an old origin, and each site link, followed
    redirect by redirect, answers 200 without passing an old origin (over HTTP: the browser
    opens it in tests/e2e/test_goal_invite.py)."""
    problems = invite_link_problems(
        message.body,
        target.require("site_url"),
        old_origins(target, comparison_target),
        what=what,
        http=http,
        evidence=evidence,
    )
    fail_on(problems, f"{what} sends the invitee to the wrong place")
