"""The browser side of the suite: the system Chromium, and one signed-in state per account.

``browser_type_launch_args`` overrides pytest-playwright's: it uses Debian's Chromium when
Playwright has no browser of its own (headless, its ``chromium-headless-shell`` when installed,
see ``system_chromium.sh``), with flags that keep it quiet and off the network, and
without the omnibox pop-ups a headless window still builds (a hidden web page each, about a
second of CPU per browser context).
``account_sessions("user")`` signs the account in through the API (once per run, unless the
project's tokens expire before the run ends: see ``account_sessions.py``; the account's API
client holds the same session) and gives the Playwright ``storage_state`` a supabase-js app
reads its session from, so only the ``login`` item goes through the form.
``app_page("user")`` opens a fresh context in that state, and keeps a screenshot, the network
log and the trace as evidence when the test fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from postmigration.account_sessions import AccountSessions
from postmigration.config import Accounts, Target
from postmigration.evidence import Evidence
from postmigration.network_log import NetworkLog
from postmigration.once_per_run import shared_folder

__all__ = [
    "CHROMIUM_ARGS",
    "SYSTEM_CHROMIUM",
    "account_sessions",
    "app_page",
    "browser_type_launch_args",
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
# A failing browser test's network log in the report: about 200 requests of 100 characters.
NETWORK_EVIDENCE_LIMIT = 20_000


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


@pytest.fixture(scope="session")
def account_sessions(
    target: Target, accounts: Accounts, pytestconfig: pytest.Config
) -> Iterator[AccountSessions]:
    """``account_sessions("admin")`` -> a Playwright storage_state signed in as that account;
    ``account_sessions.session("admin")`` -> the session itself, for the account's API client.

    An API sign-in per account, shared by its API client and its browser contexts while its
    token has over five minutes left (see account_sessions.py): after that, or on a project
    whose tokens live shorter, the next context gets a new sign-in. The app's supabase-js finds
    it in localStorage under its default key. Every session is ended (this device only) when
    the run ends, with the tokens its contexts held last. Under xdist the workers share each
    account's first session (see account_sessions.py), which the controller ends.
    """
    site = target.site_url or target.supabase_url
    sessions = AccountSessions(target, accounts, site, shared_folder(pytestconfig))
    yield sessions
    sessions.end()


@pytest.fixture
def app_page(
    new_context: Callable[..., Any],
    account_sessions: AccountSessions,
    evidence: Evidence,
    pytestconfig: pytest.Config,
) -> Iterator[Callable[..., Any]]:
    """``app_page("user")`` -> a page in a fresh context signed in as that account (None: signed out).

    Each context's last session goes back to ``account_sessions`` (the app may have refreshed
    it), to be signed out at the end. On failure, each page's screenshot, its context's network
    log (see network_log.py) and its trace (actions, call logs, console; with
    ``--trace-snapshots`` also each action's page snapshot and the network) are kept as evidence.
    """
    opened: list[tuple[str, Any, Any, NetworkLog]] = []
    # DOM snapshots (which also bring the network into the trace) cost about 3 s of CPU per
    # run; the screencast, about a fifth of the browser's CPU, is never recorded: the failure
    # screenshot is taken on its own below.
    snapshots = bool(pytestconfig.getoption("trace_snapshots", False))

    def open_page(role: str | None = None) -> Any:
        state = account_sessions(role) if role else None
        context = new_context(storage_state=state) if state else new_context()
        network = NetworkLog().record(context)
        context.tracing.start(screenshots=False, snapshots=snapshots)
        page = context.new_page()
        opened.append((role or "visitor", context, page, network))
        return page

    yield open_page
    for _, context, _, _ in opened:
        with contextlib.suppress(Exception):  # a closed context: its session ends as handed out
            account_sessions.learn(context.storage_state())
    if not evidence.failed:
        return
    folder = Path(tempfile.mkdtemp(prefix="pm-trace-"))
    try:
        for index, (who, context, page, network) in enumerate(opened):
            evidence.text(f"network ({who})", network.text(), limit=NETWORK_EVIDENCE_LIMIT)
            try:
                evidence.image(f"screenshot ({who})", page.screenshot(full_page=True))
                trace = folder / f"trace-{index}-{who}.zip"
                context.tracing.stop(path=str(trace))
                evidence.file(f"Playwright trace ({who})", trace)
            except Exception as exc:  # a closed page: say so instead of hiding the failure
                evidence.text(f"screenshot ({who})", f"could not be taken: {exc}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
