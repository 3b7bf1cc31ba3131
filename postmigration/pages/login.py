"""The sign-in screen, and signing out from the header."""

from __future__ import annotations

from playwright.sync_api import expect

from postmigration.pages._base import DEFAULT_TIMEOUT_MS, AppShowedError, ScreenPage

__all__ = ["LoginPage"]


class LoginPage(ScreenPage):
    """Sign in with email and password; sign out; see who is signed in."""

    route_name = "login"
    heading_key = "login_heading"

    def sign_in(self, email: str, password: str) -> None:
        """Fill the form and press the sign-in button, as a user would."""
        self.field("email_label").fill(email)
        self.field("password_label").fill(password)
        self.button("sign_in_button").click()

    def sign_out(self) -> None:
        """Press the sign-out button."""
        self.button("sign_out_button").click()

    def expect_signed_in(self, email: str, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app shows the user as signed in (their email and a sign-out button)."""
        sign_out = self.button("sign_out_button")
        expect(
            sign_out.or_(self.error_message).first,
            f"after signing in as {email} the app showed neither a sign-out button nor an error",
        ).to_be_visible(timeout=timeout)
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
