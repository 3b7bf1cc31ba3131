"""App deploy and cutover: the new site serves the app, and nothing still points at the old origin."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Request, Response

from postmigration.app_profile import AppProfile
from postmigration.clients import end_session
from postmigration.config import KEY_SETTINGS, Accounts, Target
from postmigration.errors import first_line
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.keys import api_headers
from postmigration.links import follow, shown
from postmigration.origins import no_old_origin_known, old_origins, origin_of, pointing_at_old
from postmigration.pages import HomePage
from postmigration.redact import excerpt
from postmigration.session import RunConfig
from postmigration.stored_urls import scan_stored_urls

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("app-deploy")]

# Everything the page links to or loads, read from the DOM once it has settled.
PAGE_URLS_JS = """() => [...document.querySelectorAll('a[href],img[src],video[src],source[src],audio[src],link[href],script[src]')]
  .map(e => e.href || e.currentSrc || e.src).filter(Boolean)"""


def _home(page: Page, target: Target) -> tuple[list[str], list[str]]:
    """Open the site's home page; return (every URL requested, failures in plain words)."""
    requested: list[str] = []
    failures: list[str] = []

    known_keys = {getattr(target, k) for k in KEY_SETTINGS} - {None}

    def on_response(response: Response) -> None:
        if response.status >= 400:
            failures.append(f"{response.request.method} {response.url} answered {response.status}")
        sent = response.request.headers.get("apikey")
        foreign = f"the app sends an API key that is not one of {target.name}'s (built with old's?)"
        if response.status == 401 and sent and sent not in known_keys and foreign not in failures:
            failures.insert(0, foreign)

    def on_failed(request: Request) -> None:
        failures.append(f"{request.method} {request.url} failed: {request.failure}")

    page.on("request", lambda request: requested.append(request.url))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    site = target.require("site_url")
    answer = page.goto(site, wait_until="load")
    if answer is None or answer.status >= 400:
        failures.insert(0, f"the site {site} answered {answer.status if answer else 'nothing'}")
    page.wait_for_load_state("networkidle", timeout=15_000)
    return requested, failures


def test_site_serves_the_app_and_every_request_succeeds(
    page: Page, target: Target, screen: Callable[..., Any], evidence: Evidence
) -> None:
    """SITE_URL serves the app (its home screen settles and shows its heading, as the app
    profile names it), and every request the home page makes succeeds (no 4xx/5xx)."""
    requested, failures = _home(page, target)
    evidence.text("requests made by the home page", "\n".join(requested))
    fail_on(failures, f"the home page at {target.site_url} does not load cleanly")
    try:
        screen(HomePage, page).expect_ready(timeout=5_000)
    except AssertionError as exc:
        title = page.title() or "no title"
        pytest.fail(
            f"{target.site_url} does not serve the app (a maintenance or placeholder page?):"
            f' it shows "{title}": {first_line(exc)}',
            pytrace=False,
        )


def test_nothing_points_at_an_old_origin(
    page: Page,
    target: Target,
    comparison_target: Target | None,
    service_client: Client,
    app_profile: AppProfile,
    evidence: Evidence,
    pm_config: RunConfig,
) -> None:
    """No request or link of the home page targets an old origin, and no row of the app's URL
    columns holds one (every row: counted in the database with db_url, else paged through
    the API)."""
    olds = old_origins(target, comparison_target)
    if not olds:
        no_old_origin_known(pm_config.phase)
    evidence.text("old origins", "\n".join(olds))
    requested, _ = _home(page, target)
    linked = page.evaluate(PAGE_URLS_JS)
    problems = [f"the home page requests {u}" for u in pointing_at_old(requested, olds)]
    problems += [f"the home page links to {u}" for u in pointing_at_old(linked, olds)]
    scan = scan_stored_urls(target.db_url, service_client, app_profile.url_columns, olds)
    evidence.text("stored URLs scanned", scan.how)
    problems += [column.problem() for column in scan.stale]
    fail_on(problems, "the app still points at the old origin")


def test_auth_emails_link_to_site_url(
    http: httpx.Client,
    target: Target,
    comparison_target: Target | None,
    accounts: Accounts,
    evidence: Evidence,
) -> None:
    """The sign-in link GoTrue mails out (for the user account) is on the new API and returns
    the user to SITE_URL; followed redirect by redirect (it signs that account in, as clicking
    it would), it ends in a 200 at SITE_URL's origin and never passes an old origin. Not on a
    read-only target: making the link writes the account's recovery token."""
    site = target.require("site_url")
    if target.read_only:
        pytest.skip(
            f"target {target.name!r} is read-only and generating a sign-in link writes the "
            "account's recovery token"
        )
    headers = api_headers(target.server_key)
    answer = http.post(
        f"{target.supabase_url}/auth/v1/admin/generate_link",
        json={"type": "magiclink", "email": accounts["user"].email},
        headers=headers,
    )
    if answer.status_code != 200:
        pytest.fail(
            f"generate_link answered {answer.status_code}: {excerpt(answer.text, 200)}",
            pytrace=False,
        )
    link = answer.json().get("action_link") or answer.json().get("properties", {}).get(
        "action_link", ""
    )
    evidence.text("magic link", shown(link))
    redirect = parse_qs(urlsplit(link).query).get("redirect_to", [""])[0]
    problems = []
    if origin_of(link) != origin_of(target.supabase_url):
        problems.append(
            f"the link goes to {origin_of(link)}, not to the new API {origin_of(target.supabase_url)}"
        )
    if origin_of(redirect) != origin_of(site):
        problems.append(
            f"the link returns users to {redirect or 'nowhere'}, not to SITE_URL {site} (fix GoTrue's SITE_URL)"
        )
    problems += _journey_problems(http, link, site, target, comparison_target, evidence)
    fail_on(problems, "auth emails send users to the wrong place")


def _journey_problems(
    http: httpx.Client,
    link: str,
    site: str,
    target: Target,
    comparison_target: Target | None,
    evidence: Evidence,
) -> list[str]:
    """The link, followed redirect by redirect, ends in a 200 at SITE_URL, no hop on an old origin."""
    followed = follow(link, http, old_origins(target, comparison_target), what="the sign-in link")
    for token in followed.access_tokens():
        end_session(target, token)  # following it signed the account in: sign that out
    evidence.text("hops of the sign-in link", followed.journey())
    if followed.problem:
        return [followed.problem]
    if followed.status != 200 or origin_of(followed.final_url) != origin_of(site):
        return [
            f"the sign-in link ends at {shown(followed.final_url)} with {followed.status}, "
            f"not at SITE_URL {site} with 200"
        ]
    return []
