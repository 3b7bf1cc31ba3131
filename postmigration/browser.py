"""The browser side of the suite: the system Chromium, and one signed-in state per account.

``browser_type_launch_args`` overrides pytest-playwright's: it uses Debian's Chromium when
Playwright has no browser of its own (headless, its ``chromium-headless-shell`` when installed,
see ``system_chromium.sh``), with flags that keep it quiet and off the network, and
without the omnibox pop-ups a headless window still builds (a hidden web page each, about a
second of CPU per browser context).
``browser_state("user")`` signs the account in once per session through the API and gives the
Playwright ``storage_state`` a supabase-js app reads its session from, so only the ``login``
item goes through the form. ``app_page("user")`` opens a fresh context in that state, and keeps
a screenshot and the trace as evidence when the test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from postmigration.clients import end_session
from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.keys import api_headers
from postmigration.redact import excerpt, learn_secret
from postmigration.trust import trust

__all__ = [
    "CHROMIUM_ARGS",
    "SYSTEM_CHROMIUM",
    "app_page",
    "browser_state",
    "browser_type_launch_args",
    "supabase_storage_key",
    "system_chromium_launch",
]

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
)
# Chromium keeps only the last --disable-features, and Playwright passes its own list first, so
# this one is only given through the launcher that merges the two (system_chromium.sh).
_NO_OMNIBOX_POPUPS = "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup"
_MERGING_LAUNCHER = Path(__file__).with_name("system_chromium.sh")


def system_chromium_launch() -> dict[str, Any]:
    """Launch options for Debian's Chromium: its path (through the feature-merging launcher
    when that is executable, with the omnibox pop-ups off) and the quiet flags."""
    if os.access(_MERGING_LAUNCHER, os.X_OK):
        return {
            "executable_path": str(_MERGING_LAUNCHER),
            "args": [*CHROMIUM_ARGS, _NO_OMNIBOX_POPUPS],
        }
    return {"executable_path": str(SYSTEM_CHROMIUM), "args": list(CHROMIUM_ARGS)}


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], browser_type: Any
) -> dict[str, Any]:
    """pytest-playwright's launch args, with the system Chromium (when Playwright has none of
    its own) and quiet flags added."""
    args = dict(browser_type_launch_args)
    own = Path(browser_type.executable_path)
    if (
        browser_type.name == "chromium"
        and "executable_path" not in args
        and "channel" not in args
        and not own.exists()
        and SYSTEM_CHROMIUM.exists()
    ):
        system = system_chromium_launch()
        args["executable_path"] = system["executable_path"]
        args["args"] = [*args.get("args", []), *system["args"]]
    elif browser_type.name == "chromium":
        args["args"] = [*args.get("args", []), *CHROMIUM_ARGS]
    return args


def supabase_storage_key(supabase_url: str) -> str:
    """Where supabase-js keeps its session in localStorage: ``sb-<first host label>-auth-token``."""
    host = urlsplit(supabase_url).hostname or ""
    return f"sb-{host.split('.')[0]}-auth-token"


def _api_session(target: Target, email: str, password: str) -> dict[str, Any]:
    response = httpx.post(
        f"{target.supabase_url}/auth/v1/token",
        params={"grant_type": "password"},
        headers=api_headers(target.public_key),
        json={"email": email, "password": password},
        timeout=20,
        verify=trust(),
    )
    if response.status_code != 200:
        try:
            detail = response.json()
            reason = detail.get("msg") or detail.get("message") or detail.get("error_description")
        except ValueError:
            reason = excerpt(response.text, 120)
        pytest.fail(
            f"sign-in as {email} for the browser failed on {target.name}: "
            f"{response.status_code} {reason}",
            pytrace=False,
        )
    session = response.json()
    learn_secret(session.get("refresh_token"))
    session.setdefault("expires_at", int(time.time()) + int(session.get("expires_in", 3600)))
    return session


@pytest.fixture(scope="session")
def browser_state(target: Target, accounts: Accounts) -> Iterator[Callable[[str], dict[str, Any]]]:
    """``browser_state("admin")`` -> a Playwright storage_state signed in as that account.

    One API sign-in per account per session (its own session, apart from the API clients');
    the app's supabase-js finds it in localStorage under its default key. Each session is
    ended (this device only) when the run ends.
    """
    sessions: list[dict[str, Any]] = []
    states: dict[str, dict[str, Any]] = {}
    site = (target.site_url or target.supabase_url).rstrip("/")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(site))

    def get(role: str) -> dict[str, Any]:
        if role not in states:
            account = accounts[role]
            session = _api_session(target, account.email, account.password)
            sessions.append(session)
            states[role] = {
                "cookies": [],
                "origins": [
                    {
                        "origin": origin,
                        "localStorage": [
                            {
                                "name": supabase_storage_key(target.supabase_url),
                                "value": json.dumps(session),
                            }
                        ],
                    }
                ],
            }
        return states[role]

    yield get
    for session in sessions:
        end_session(target, str(session.get("access_token") or ""))


@pytest.fixture
def app_page(
    new_context: Callable[..., Any],
    browser_state: Callable[[str], dict[str, Any]],
    evidence: Evidence,
) -> Iterator[Callable[..., Any]]:
    """``app_page("user")`` -> a page in a fresh context signed in as that account (None: signed out).

    On failure, each page's screenshot and its context's trace are kept as evidence.
    """
    opened: list[tuple[str, Any, Any]] = []

    def open_page(role: str | None = None) -> Any:
        state = browser_state(role) if role else None
        context = new_context(storage_state=state) if state else new_context()
        # DOM snapshots and network, no screencast (its frames cost about a fifth of the browser's
        # CPU); the failure screenshot is taken on its own below.
        context.tracing.start(screenshots=False, snapshots=True)
        page = context.new_page()
        opened.append((role or "visitor", context, page))
        return page

    yield open_page
    if not evidence.failed:
        return
    folder = Path(tempfile.mkdtemp(prefix="pm-trace-"))
    try:
        for index, (who, context, page) in enumerate(opened):
            try:
                evidence.image(f"screenshot ({who})", page.screenshot(full_page=True))
                trace = folder / f"trace-{index}-{who}.zip"
                context.tracing.stop(path=str(trace))
                evidence.file(f"Playwright trace ({who})", trace)
            except Exception as exc:  # a closed page: say so instead of hiding the failure
                evidence.text(f"screenshot ({who})", f"could not be taken: {exc}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
