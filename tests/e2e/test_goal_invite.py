"""Post-migration: "Create goal with invite; invitee receives email/WhatsApp and sees in-app card"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.inbox import (
    email_inbox,
    invite_link_problems,
    site_links,
    wait_for_message,
    whatsapp_inbox,
)
from postmigration.origins import old_origins
from postmigration.pages import GoalsPage, InvitesPage
from postmigration.redact import excerpt

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("goal-invite")]

WAIT_S = 30.0
CLOCK_SLACK = timedelta(minutes=2)


def test_goal_invite_reaches_the_invitee_by_email_whatsapp_and_in_app(
    target: Target,
    comparison_target: Target | None,
    accounts: Accounts,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    created: Created,
    http: httpx.Client,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """The user invites the invitee from the goals screen; goal-notifications sends; the email
    and (when the invitee account has a phone) the WhatsApp message arrive with links to SITE_URL that, followed redirect by redirect,
    never pass an old origin and, opened in the browser as the invitee, show the invitation
    with the goal's title; the invitee sees the card on the invitations screen."""
    target.require_writable()
    function = app_profile.function("goal_notifications")
    invitee = accounts["invitee"]
    since = datetime.now(UTC) - CLOCK_SLACK
    title = created.label("goal")
    created.row(app_profile.table("notifications"), title, column="body")
    created.row(app_profile.table("goals"), title, column="title")  # its invites go with it
    page = app_page("user")
    goals = screen(GoalsPage, page)
    goals.goto()

    answer, shown = goals.create_goal_and_send(title, invitee.email, invitee.phone, function)
    if answer is not None:
        evidence.text(f"{function} answered {answer.status}", excerpt(answer.text(), 2000))
        if not answer.ok:
            pytest.fail(
                f"{function} failed when the user invited {invitee.email}: {answer.status} "
                f"{excerpt(answer.text(), 300)}",
                pytrace=False,
            )
    if shown is not None:
        raise shown
    if answer is None:
        pytest.fail(f"the app said the invite was sent but never called {function}", pytrace=False)
    sent = (answer.json().get("sent") or [{}])[0]

    problems: list[str] = []
    olds = old_origins(target, comparison_target)
    site = target.require("site_url")
    inbox = email_inbox(target, http)
    if inbox is None:
        pytest.skip(
            "not configured: no inbox to read the invitee's email from "
            f'(set [targets.{target.name}.inbox] email = "resend" and resend_api_key)'
        )
    email = wait_for_message(
        inbox,
        invitee.email,
        lambda m: title in m.body,
        what=f'the invite email for "{title}" to {invitee.email}',
        since=since,
        timeout_s=WAIT_S,
    )
    evidence.text("email received", f"{email.subject}\n\n{email.text or email.html}")
    problems += invite_link_problems(
        email.body, site, olds, what="the invite email", http=http, evidence=evidence
    )
    invites = screen(InvitesPage, app_page("invitee"))
    problems += _screen_problems(invites, email.body, site, title, "the invite email's link")

    if not invitee.phone:
        evidence.text("WhatsApp", "not checked: the invitee account has no phone")
    else:
        if not sent.get("whatsapp_message_id"):
            problems.append(f"{function} sent no WhatsApp message to {invitee.phone}")
        whatsapp = whatsapp_inbox(target, http)
        if whatsapp is not None and sent.get("whatsapp_message_id"):
            message = wait_for_message(
                whatsapp,
                invitee.phone,
                lambda m: m.id == sent["whatsapp_message_id"],
                what=f"the WhatsApp invite to {invitee.phone}",
                since=since,
                timeout_s=WAIT_S,
            )
            evidence.text("WhatsApp message recorded", message.text)
            problems += invite_link_problems(
                message.body, site, olds, what="the WhatsApp invite", http=http, evidence=evidence
            )
            problems += _screen_problems(
                invites, message.body, site, title, "the WhatsApp invite's link"
            )

    invites.goto()
    invites.expect_invite_card(title, timeout=WAIT_S * 1000)
    fail_on(problems, "the invitee was not reached as the app promises")


def _screen_problems(
    invites: InvitesPage, body: str, site: str, title: str, what: str
) -> list[str]:
    """Each link of the message to the site, opened in the browser, shows the goal's invitation."""
    problems = []
    for link in site_links(body, site):
        try:
            invites.expect_link_shows_invite(link, title, what=what)
        except AssertionError as exc:
            problems.append(str(exc))
    return problems
