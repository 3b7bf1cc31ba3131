"""The system Chromium as the suite launches it: the headless shell when installed, both feature
lists kept, no omnibox pop-ups."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")


def _browser_process(browser: Browser) -> int:
    """The process id of the browser's main (browser) process."""
    processes = browser.new_browser_cdp_session().send("SystemInfo.getProcessInfo")
    return next(p["id"] for p in processes["processInfo"] if p["type"] == "browser")


def _feature_switches(browser: Browser, name: str) -> list[str]:
    """The values of every `--<name>-features=` switch the browser process was started with."""
    arguments = Path(f"/proc/{_browser_process(browser)}/cmdline").read_bytes().decode().split("\0")
    return [a.split("=", 1)[1] for a in arguments if a.startswith(f"--{name}-features=")]


def test_one_disable_features_switch_holds_playwrights_list_and_ours(
    web_browser: Browser,
) -> None:
    """Chromium reads only the last --disable-features: the launcher must merge Playwright's
    (HTTP kept on HTTP, CORS redirects) with ours (no omnibox pop-up pages)."""
    disabled = _feature_switches(web_browser, "disable")
    assert len(disabled) == 1, f"Chromium got {len(disabled)} --disable-features switches"
    features = disabled[0].split(",")
    for feature in ("HttpsUpgrades", "AvoidCorsURLLoaderRestartOnRedirect", "WebUIOmniboxPopup"):
        assert feature in features, f"{feature} is not disabled: {features}"
    assert len(_feature_switches(web_browser, "enable")) == 1


def test_a_new_context_builds_no_hidden_browser_pages(web_browser: Browser) -> None:
    """Each window of headless Chromium used to build its omnibox pop-ups as hidden pages."""
    context = web_browser.new_context()
    try:
        context.new_page()
        session = web_browser.new_browser_cdp_session()
        targets = session.send("Target.getTargets")["targetInfos"]
        hidden = [t["url"] for t in targets if t["url"].startswith("chrome://")]
        assert hidden == [], f"hidden browser pages were built: {hidden}"
    finally:
        context.close()


@pytest.mark.skipif(not HEADLESS_SHELL.exists(), reason="chromium-headless-shell is not installed")
def test_a_headless_run_uses_the_headless_shell(web_browser: Browser) -> None:
    """Headless, the launcher starts Debian's chromium-headless-shell (the engine without the
    desktop browser around it, about half the browser process's CPU), not the full browser."""
    program = Path(f"/proc/{_browser_process(web_browser)}/exe").resolve()
    assert program == HEADLESS_SHELL, f"a headless run started {program}, not {HEADLESS_SHELL}"
