"""The sign-in screen, and signing out from the header."""

from __future__ import annotations

import contextlib
import time
from urllib.parse import urlsplit

from playwright.sync_api import Response, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from postmigration.auth_words import auth_words
from postmigration.origins import origin_of
from postmigration.pages._base import DEFAULT_TIMEOUT_MS, AppShowedError, ScreenPage

__all__ = ["LoginPage", "auth_refusal", "sign_in_origin_problem"]

# How long each wait for a sign-in's outcome lasts before the app's page is looked at again,
# and how long the app may sit on another page, settled and signed out, before that is the
# outcome.
_POLL_MS = 200
_SIGNED_OUT_GRACE_S = 2.0


class LoginPage(ScreenPage):
    """Sign in with email and password; sign out; see who is signed in."""

    route_name = "login"
    heading_key = "login_heading"

    def sign_in(self, email: str, password: str) -> None:
        """Fill the form and press the sign-in button, as a user would."""
        self.field("email_label").fill(email)
        self.field("password_label").fill(password)
        self.button("sign_in_button").click()

    def sign_in_answers(self, email: str, password: str) -> list[Response]:
        """Sign in through the form until the app shows `email` signed in; the answers to the
        app's password sign-ins meanwhile (POST …/auth/v1/token, whichever server)."""

        def is_sign_in(response: Response) -> bool:
            parts = urlsplit(response.url)
            return response.request.method == "POST" and parts.path.endswith("/auth/v1/token")

        def sign_in() -> None:
            self.sign_in(email, password)
            self.expect_signed_in(email)

        answers: list[Response] = []
        try:
            return self.answers_during(is_sign_in, sign_in, answers)[1]
        except AssertionError as exc:
            # The app's words may say nothing (supabase-js shows "{}" for an Auth 5xx): Auth's
            # own answer to the sign-in names the cause.
            refusal = auth_refusal(answers)
            if refusal is None:
                raise
            kind = AppShowedError if isinstance(exc, AppShowedError) else AssertionError
            raise kind(f"{exc}; {refusal}") from None

    def sign_out(self) -> None:
        """Press the sign-out button."""
        self.button("sign_out_button").click()

    def expect_signed_in(self, email: str, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app shows the user as signed in (their email and a sign-out button). When it
        leaves the sign-in page and settles there signed out (it did not keep the session),
        fail at once, saying where it went, rather than waiting out the timeout."""
        sign_out = self.button("sign_out_button")
        either = sign_out.or_(self.error_message).first
        deadline = time.monotonic() + timeout / 1000
        settled_elsewhere_at: float | None = None
        while not either.is_visible():
            now = time.monotonic()
            if now > deadline:
                raise AssertionError(
                    f"after signing in as {email} the app showed neither a sign-out button "
                    "nor an error"
                )
            elsewhere = self._settled_elsewhere()
            if elsewhere is None:
                settled_elsewhere_at = None
            elif settled_elsewhere_at is None:
                settled_elsewhere_at = now
            elif now - settled_elsewhere_at > _SIGNED_OUT_GRACE_S:
                raise AssertionError(
                    f"after signing in as {email} the app went to {elsewhere} signed out (no "
                    "sign-out button): it did not keep the session"
                )
            with contextlib.suppress(PlaywrightTimeoutError):  # the outcome, at most one poll
                either.wait_for(state="visible", timeout=_POLL_MS)
        if not sign_out.count():
            self._raise_app_error(f"signing in as {email} failed")
        expect(
            self.page.get_by_text(email).first, f"the app does not show {email} as signed in"
        ).to_be_visible(timeout=timeout)

    def expect_signed_out(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The sign-in form is back and no sign-out button is offered."""
        expect(
            self.button("sign_in_button"), "the sign-in form did not come back after signing out"
        ).to_be_visible(timeout=timeout)
        expect(
            self.button("sign_out_button"), "the app still offers to sign out after signing out"
        ).to_have_count(0, timeout=timeout)

    def expect_sign_in_refused(
        self, message: str | None = None, *, timeout: float = DEFAULT_TIMEOUT_MS
    ) -> str:
        """The app refused the credentials with an error message (containing `message`)."""
        expect(
            self.error_message.first, "the app showed no error message for the refused sign-in"
        ).to_be_visible(timeout=timeout)
        text = self.error_message.first.inner_text().strip()
        if message is not None and message.lower() not in text.lower():
            raise AppShowedError(f'sign-in was refused with "{text}", expected "{message}"')
        if self.button("sign_out_button").count():
            raise AssertionError("the app shows a sign-out button after a refused sign-in")
        return text

    def _settled_elsewhere(self) -> str | None:
        """The path the app has settled on (state ready) when that is not the sign-in page."""
        attribute = self.selectors.get("app_state_attribute", "")
        if not attribute:
            return None
        if self.at_route("login"):
            return None
        state = self.page.locator("body").get_attribute(attribute)
        ready = state == self.selectors.get("app_state_ready", "ready")
        return urlsplit(self.page.url).path if ready else None


def auth_refusal(answers: list[Response]) -> str | None:
    """``Auth at http://host answered 500: Error running hook URI: …``: the first of the app's
    sign-in requests that Auth refused, in its own words; None when none was refused."""
    for answer in answers:
        if answer.status < 400:
            continue
        try:
            words = auth_words(answer.text())
        except Exception:  # the body is gone (the page moved on): the status still tells
            words = ""
        said = f"Auth at {origin_of(answer.url)} answered {answer.status}"
        return f"{said}: {words}" if words else said
    return None


def sign_in_origin_problem(answers: list[Response], api_url: str) -> str | None:
    """Why the app's sign-in did not happen on the target's API (`api_url`): no token request
    seen, one sent to another origin (the deployed app still names an old project), or none
    answered 200 there; None when it signed in on the target."""
    api = origin_of(api_url)
    if not answers:
        return "the app's sign-in sent no POST /auth/v1/token: which server signed the user in is unknown"
    elsewhere = sorted({origin_of(a.url) for a in answers} - {api})
    if elsewhere:
        return (
            f"the app signed in against {', '.join(elsewhere)}, not the target's API {api}: the "
            "deployed app still names another project (its Supabase URL and key)"
        )
    if not any(a.status == 200 for a in answers):
        statuses = ", ".join(str(a.status) for a in answers)
        return f"the app's sign-in at {api}/auth/v1/token was answered {statuses}, never 200"
    return None
