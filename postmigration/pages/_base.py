"""What every screen's page object shares: routes, selectors from the app profile, app state."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Locator, Page, Response, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from postmigration.functions import is_function_call
from postmigration.pages.defaults import DEFAULT_ROUTES, DEFAULT_SELECTORS

__all__ = ["DEFAULT_TIMEOUT_MS", "AppShowedError", "ScreenPage"]

DEFAULT_TIMEOUT_MS = 15_000.0
T = TypeVar("T")
# How long a settled app may take to show a screen's heading while it is on another page.
_ELSEWHERE_GRACE_MS = 2_000.0
# Values that are Playwright selectors rather than labels or names a user reads.
_RAW_PREFIXES = ("css=", "xpath=", "role=", "text=", "id=", "internal:", "#", "[")


class AppShowedError(AssertionError):
    """The app answered an action with an error message (its role="alert")."""


class ScreenPage:
    """One screen of the app: the route it lives at and locators named by the app profile."""

    route_name: str = "home"
    heading_key: str = "home_heading"

    def __init__(
        self,
        page: Page,
        base_url: str,
        selectors: Mapping[str, str] | None = None,
        routes: Mapping[str, str] | None = None,
    ) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/") + "/"
        self.selectors: dict[str, str] = {**DEFAULT_SELECTORS, **(selectors or {})}
        self.routes: dict[str, str] = {**DEFAULT_ROUTES, **(routes or {})}

    # -- where the screen is ------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The screen's absolute URL on the target."""
        return urljoin(self.base_url, self.routes[self.route_name].lstrip("/"))

    def goto(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """Open the screen and wait until the app says it is ready. When the app settles on
        another page instead (its sign-in page, say: the session was not accepted), fail at
        once, saying where it went, rather than waiting out the timeout for the heading."""
        self.page.goto(self.url, wait_until="domcontentloaded", timeout=timeout)
        if self._settled(timeout):
            self._fail_when_elsewhere()
        self._expect_heading(timeout)

    def reload(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """Reload the page (as a user pressing F5) and wait until the screen is ready again."""
        self.page.reload(wait_until="domcontentloaded", timeout=timeout)
        self.expect_ready(timeout=timeout)

    # -- locators from the app profile -------------------------------------------------------
    def text(self, key: str, **values: str) -> str:
        """The profile's text for `key`, with its {placeholders} filled in."""
        value = self.selectors[key]
        return value.format(**values) if values else value

    def _raw(self, value: str) -> Locator | None:
        if value.startswith("label="):
            return self.page.get_by_label(value.removeprefix("label="), exact=True)
        if value.startswith("data-testid="):
            return self.page.get_by_test_id(value.removeprefix("data-testid="))
        if value.startswith(_RAW_PREFIXES):
            return self.page.locator(value)
        return None

    def field(self, key: str, **values: str) -> Locator:
        """The form control labelled by the profile's `key`."""
        value = self.text(key, **values)
        return self._raw(value) or self.page.get_by_label(value, exact=True)

    def button(self, key: str, **values: str) -> Locator:
        """The button named by the profile's `key`."""
        value = self.text(key, **values)
        return self._raw(value) or self.page.get_by_role("button", name=value, exact=True)

    def heading(self, key: str, **values: str) -> Locator:
        """The heading named by the profile's `key`."""
        value = self.text(key, **values)
        return self._raw(value) or self.page.get_by_role("heading", name=value, exact=True)

    def status_message(self, key: str) -> Locator:
        """The app's status message (role="status") that contains the profile's `key` text."""
        value = self.text(key)
        return self._raw(value) or self.page.get_by_role("status").filter(has_text=value)

    @property
    def error_message(self) -> Locator:
        """The app's visible error messages (role="alert")."""
        return self.page.get_by_role("alert").filter(has_text=re.compile(r"\S"))

    @property
    def screen_name(self) -> str:
        """The screen's name as a user says it ("admin courses", not "admin_courses")."""
        return self.route_name.replace("_", " ")

    # -- waits ---------------------------------------------------------------------------------
    def expect_ready(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app settled on this screen (state attribute, if any) and its heading is shown."""
        self._settled(timeout)
        self._expect_heading(timeout)

    def _settled(self, timeout: float) -> bool:
        """Wait for the app's state attribute to say ready (an error state fails, with the
        app's message); False when the app profile names no state attribute."""
        attribute = self.selectors.get("app_state_attribute", "")
        if not attribute:
            return False
        ready = self.selectors.get("app_state_ready", "ready")
        failed = self.selectors.get("app_state_error", "error")
        settled = re.compile(f"^(?:{re.escape(ready)}|{re.escape(failed)})$")
        body = self.page.locator("body")
        expect(body, f"the {self.screen_name} screen never finished loading").to_have_attribute(
            attribute, settled, timeout=timeout
        )
        if body.get_attribute(attribute) == failed:
            self._raise_app_error(f"the {self.screen_name} screen did not load")
        return True

    def _fail_when_elsewhere(self) -> None:
        """After a settled load of this screen's URL: when the app is at another path and does
        not show this screen's heading within a short grace, say where it went."""
        if self.at_route(self.route_name):
            return
        try:
            expect(self.heading(self.heading_key)).to_be_visible(timeout=_ELSEWHERE_GRACE_MS)
            return
        except AssertionError:
            pass
        here = urlsplit(self.page.url)
        went = here.path + (f"?{here.query}" if here.query else "")
        why = (
            " (it sent the user to sign in: it did not accept the signed-in session)"
            if "login" in self.routes and self.at_route("login")
            else ""
        )
        raise AssertionError(
            f"the {self.screen_name} screen was not shown: the app went to {went} instead{why}"
        )

    def at_route(self, route_name: str) -> bool:
        """Whether the page is at the path of the profile's route `route_name` (a trailing
        slash and the query aside)."""
        here = urlsplit(self.page.url).path.rstrip("/") or "/"
        return here == (self.routes[route_name].rstrip("/") or "/")

    def _expect_heading(self, timeout: float) -> None:
        expect(
            self.heading(self.heading_key),
            f'the {self.screen_name} screen does not show its heading "{self.text(self.heading_key)}"',
        ).to_be_visible(timeout=timeout)

    def expect_outcome(self, message_key: str, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The action's success message appears; an error message from the app fails at once."""
        success = self.status_message(message_key)
        expect(
            success.or_(self.error_message).first,
            f'the app showed neither "{self.text(message_key)}" nor an error message',
        ).to_be_visible(timeout=timeout)
        if self.error_message.count() and not success.count():
            self._raise_app_error(f'expected "{self.text(message_key)}"')

    def expect_no_error(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """No error message is shown on the screen."""
        expect(self.error_message, "the app shows an error message").to_have_count(
            0, timeout=timeout
        )

    def expect_image_rendered(
        self, image: Locator, what: str, *, timeout: float = DEFAULT_TIMEOUT_MS
    ) -> str:
        """The image is shown and its pixels decoded (naturalWidth > 0); returns its URL."""
        expect(image, f"{what} is not shown").to_be_visible(timeout=timeout)
        handle = image.element_handle(timeout=timeout)
        self.wait_until(
            "img => img.complete",
            handle,
            timeout=timeout,
            failure=lambda: (
                f"{what} at {handle.evaluate('i => i.currentSrc || i.src')} did not "
                f"finish loading in {timeout / 1000:.0f} s"
            ),
        )
        width, src = image.evaluate("img => [img.naturalWidth, img.currentSrc || img.src]")
        if not width:
            raise AssertionError(f"{what} at {src} did not render (the browser could not load it)")
        return str(src)

    def calls_to(self, function: str, action: Callable[[], T]) -> tuple[T, list[Response]]:
        """Run `action`; its result, and the answers to the app's POSTs to the edge function
        `function` meanwhile (when there was none, a late answer is awaited a second)."""

        def is_call(response: Response) -> bool:
            return response.request.method == "POST" and is_function_call(response.url, function)

        return self.answers_during(is_call, action)

    def answers_during(
        self,
        is_call: Callable[[Response], bool],
        action: Callable[[], T],
        calls: list[Response] | None = None,
    ) -> tuple[T, list[Response]]:
        """Run `action`; its result, and the answers to the page's requests `is_call` accepts
        meanwhile (when there was none, a late answer is awaited a second). They are kept in
        `calls` when given, so that a caller still has them when `action` raised."""
        calls = [] if calls is None else calls

        def keep(response: Response) -> None:
            if is_call(response):
                calls.append(response)

        self.page.on("response", keep)
        try:
            result = action()
            if not calls:
                with contextlib.suppress(PlaywrightTimeoutError):
                    calls.append(self.page.wait_for_event("response", is_call, timeout=1_000))
        finally:
            self.page.remove_listener("response", keep)
        return result, calls

    def wait_until(
        self, expression: str, arg: Any, *, timeout: float, failure: Callable[[], str]
    ) -> None:
        """Wait until the page's `expression` (a function of `arg`) is true; when it is not in
        `timeout` ms, fail with `failure()`, in the user's words, instead of a bare timeout."""
        try:
            self.page.wait_for_function(expression, arg=arg, timeout=timeout)
        except PlaywrightTimeoutError:
            raise AssertionError(failure()) from None

    def _raise_app_error(self, context: str) -> None:
        messages = [m.strip() for m in self.error_message.all_inner_texts() if m.strip()]
        detail = "; ".join(messages) if messages else "no message"
        raise AppShowedError(f"{context}: the app showed an error: {detail}")
