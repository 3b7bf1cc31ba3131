"""A run stopped by SIGTERM keeps its browser usable, so the teardown (and the run's cleanup)
can still close it and the run ends as interrupted (exit 2), not failed (exit 1)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from postmigration.termination import restore_sigterm, stop_gracefully_on_sigterm


@pytest.fixture
def page(web_browser: Browser) -> Iterator[Page]:
    """A page in a context of its own; closing the context is part of what is checked."""
    context: BrowserContext = web_browser.new_context()
    context.set_default_timeout(15_000)
    yield context.new_page()


def _interrupted(action: Callable[[], object]) -> BaseException | None:
    """What `action` raised while SIGTERM is handled as the run handles it (None: nothing)."""
    stop_gracefully_on_sigterm()
    try:
        action()
    except BaseException as raised:  # noqa: BLE001 - what was raised is the result
        return raised
    finally:
        restore_sigterm()
    return None


def _still_usable(page: Page) -> None:
    """The page still answers and its context closes: the connection to the driver is intact."""
    assert page.evaluate("2 + 2") == 4, "the page no longer answers after the interrupt"
    page.context.close()


def test_sigterm_inside_playwrights_event_loop_leaves_the_browser_usable(page: Page) -> None:
    """SIGTERM arrives while Playwright's loop runs a listener (the signal lands inside the
    task that reads the driver's messages). Before: the interrupt was raised there, killed the
    connection, and every teardown failed with "Playwright connection closed"."""
    page.on("console", lambda message: os.kill(os.getpid(), signal.SIGTERM))

    raised = _interrupted(
        lambda: (page.evaluate("console.log('stop')"), page.wait_for_timeout(5000))
    )

    assert isinstance(raised, KeyboardInterrupt), f"the run was not interrupted: {raised!r}"
    assert "SIGTERM" in str(raised)
    _still_usable(page)


def test_sigterm_while_a_test_waits_on_the_page_leaves_the_browser_usable(page: Page) -> None:
    """SIGTERM arrives from outside while the test waits on the page (the loop sleeps)."""
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()

    raised = _interrupted(lambda: page.wait_for_timeout(5000))

    timer.join()
    assert isinstance(raised, KeyboardInterrupt), f"the run was not interrupted: {raised!r}"
    _still_usable(page)
