"""Fixtures for driving the reference web app in the system Chromium against a real stand-in."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from postmigration.browser import system_chromium_launch
from postmigration.pages import LoginPage
from reference.stack.runner import StackProcess


@pytest.fixture(scope="session")
def web_browser() -> Iterator[Browser]:
    """The system Chromium, headless, shared by the session, launched as the suite launches it."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**system_chromium_launch())
        yield launched
        launched.close()


@pytest.fixture
def new_page(web_browser: Browser) -> Iterator[Callable[[], Page]]:
    """Opens pages in fresh browser contexts (one per call, like separate people)."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = web_browser.new_context()
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def signed_in(new_page: Callable[[], Page], stack: StackProcess) -> Callable[[str], Page]:
    """Signs a seeded account (admin, user, invitee) in through the form; returns its page."""

    def sign_in(role: str) -> Page:
        page = new_page()
        account = stack.accounts[role]
        login = LoginPage(page, stack.url)
        login.goto()
        login.sign_in(account["email"], account["password"])
        login.expect_signed_in(account["email"])
        return page

    return sign_in


@pytest.fixture(scope="session")
def service(stack: StackProcess) -> Iterator[httpx.Client]:
    """An HTTP client on the stand-in with the service role: reads back and cleans up."""
    key = str(stack.target["service_role_key"])
    with httpx.Client(
        base_url=stack.url,
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
        timeout=30,
    ) as client:
        yield client


@pytest.fixture
def run_tag() -> str:
    """A short unique tag put in everything a test creates."""
    return f"pm-web-{secrets.token_hex(3)}"
