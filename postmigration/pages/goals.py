"""Goals with an invitation, and the invitee's in-app invitation cards."""

from __future__ import annotations

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Response, expect

from postmigration.links import shown
from postmigration.pages._base import DEFAULT_TIMEOUT_MS, ScreenPage
from postmigration.redact import excerpt

__all__ = ["GoalsPage", "InvitesPage"]

# Notifications arrive while the page is open; the cards screen is reloaded at these waits (ms).
_RELOAD_STEPS_MS = (1_000.0, 2_000.0, 4_000.0, 8_000.0)


class GoalsPage(ScreenPage):
    """Create a goal that invites someone by email and phone."""

    route_name = "goals"
    heading_key = "goals_heading"

    def create_goal(self, title: str, invitee_email: str, invitee_phone: str | None = None) -> None:
        """Fill the new-goal form with the invitee's contacts and submit it."""
        self.field("goal_title_label").fill(title)
        self.field("invitee_email_label").fill(invitee_email)
        if invitee_phone:
            self.field("invitee_phone_label").fill(invitee_phone)
        self.button("create_goal_button").click()

    def create_goal_and_send(
        self,
        title: str,
        invitee_email: str,
        invitee_phone: str | None,
        function: str,
        *,
        timeout: float = 30_000.0,
    ) -> tuple[Response | None, AssertionError | None]:
        """Create the goal with its invite and wait for the app's outcome: the answer of the
        app's call to `function` (None when the app never called it) and what went wrong on
        screen (None when the app confirmed the invite). An error the app shows before it
        calls the function (the goal was not saved, say) ends the wait at once."""

        def outcome() -> AssertionError | None:
            self.create_goal(title, invitee_email, invitee_phone)
            try:
                self.expect_invite_sent(timeout=timeout)
            except AssertionError as exc:
                return exc
            return None

        problem, sends = self.calls_to(function, outcome)
        return (sends[0] if sends else None), problem

    def expect_invite_sent(self, *, timeout: float = 30_000.0) -> None:
        """The app confirms the invitation was sent (the notification function answered)."""
        self.expect_outcome("invite_sent_message", timeout=timeout)


class InvitesPage(ScreenPage):
    """The invitee's invitation cards; accept one."""

    route_name = "invites"
    heading_key = "invites_heading"

    def invite_card(self, goal_title: str) -> Locator:
        """The card (an article) for the invitation to this goal."""
        name = self.text("invite_card_name", goal=goal_title)
        return self.page.get_by_role("article", name=name, exact=True)

    def expect_invite_card(self, goal_title: str, *, timeout: float = 30_000.0) -> None:
        """The invitation card for the goal shows; the screen is reloaded while it has not."""
        card = self.invite_card(goal_title)
        remaining = timeout
        for step in _RELOAD_STEPS_MS:
            if remaining <= step:
                break
            try:
                expect(card).to_be_visible(timeout=step)
                return
            except AssertionError:
                remaining -= step
            try:
                self.reload(timeout=remaining)
            except PlaywrightError:
                break
        expect(card, f'no invitation card for the goal "{goal_title}"').to_be_visible(
            timeout=max(remaining, 1_000.0)
        )

    def expect_link_shows_invite(
        self, link: str, goal_title: str, *, what: str, timeout: float = DEFAULT_TIMEOUT_MS
    ) -> None:
        """Opening `link` (from a message) lands on the invitations screen showing the goal's
        card, by its title; otherwise fails naming what the app showed instead."""
        self.page.goto(link, wait_until="domcontentloaded", timeout=timeout)
        try:
            self.expect_ready(timeout=timeout)
            expect(self.invite_card(goal_title)).to_be_visible(timeout=timeout)
        except (AssertionError, PlaywrightError) as exc:
            main = self.page.locator("main")
            seen = " ".join(main.first.inner_text().split()) if main.count() else ""
            detail = excerpt(seen, 120) or excerpt(str(exc).splitlines()[0], 120)
            landed = "" if self.page.url == link else f", landed on {shown(self.page.url)}"
            raise AssertionError(
                f'{what} opened the app, but the invite screen did not show the goal "{goal_title}"'
                f" (it showed: {detail}; link {shown(link)}{landed})"
            ) from None

    def accept_invite(self, goal_title: str) -> None:
        """Press the accept button on the goal's card."""
        card = self.invite_card(goal_title)
        card.get_by_role("button", name=self.text("accept_invite_button"), exact=True).click()

    def expect_invite_accepted(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app confirms the invitation was accepted."""
        self.expect_outcome("invite_accepted_message", timeout=timeout)
