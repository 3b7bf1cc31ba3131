"""Post-migration: "Play hero video and load playlist", in Chromium."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.media import off_target_problem, range_problem
from postmigration.origins import old_origins
from postmigration.pages import HomePage
from postmigration.refusals import Refused, attempt

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("hero-video")]


def test_hero_video_plays_from_the_target(
    target: Target,
    comparison_target: Target | None,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """The hero video loads (readyState >= 2), plays (currentTime advances), from the target;
    its URL, followed redirect by redirect, never passes through an old origin and ends on
    the target."""
    home = screen(HomePage, app_page())
    home.goto()
    played = home.expect_hero_video_playing()
    evidence.text("hero video", str(played))
    olds = old_origins(target, comparison_target)
    problems = [
        off_target_problem(played["url"], target, olds, what="the hero video"),
        range_problem(
            http,
            played["url"],
            old_origins=olds,
            what="the hero video",
            evidence=evidence,
            target=target,
        ),
    ]
    fail_on([p for p in problems if p], "the hero video is not served by the new server")


def test_playlist_shows_the_database_items_in_order(
    target: Target,
    comparison_target: Target | None,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    anon_client: Client,
    http: httpx.Client,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """The playlist shows the database's items in their order, and each streams (Range 206)
    without a redirect through an old origin, from the target."""
    query = anon_client.table(app_profile.table("playlist_items")).select(
        "title,media_url,position"
    )
    answer = attempt(query.order("position").order("created_at").execute)
    if isinstance(answer, Refused):
        pytest.fail(f"visitors cannot read the playlist: {answer}", pytrace=False)
    rows = answer.data
    home = screen(HomePage, app_page())
    home.goto()
    home.expect_playlist([r["title"] for r in rows])
    shown = home.playlist_items()
    evidence.text("playlist", "\n".join(f"{i['title']}: {i['media_url']}" for i in shown))
    problems = [
        f'playlist item "{row["title"]}" plays {item["media_url"] or "nothing"}, '
        f"but the database says {row['media_url']}"
        for row, item in zip(rows, shown, strict=False)
        if item["media_url"] != row["media_url"]
    ]
    olds = old_origins(target, comparison_target)
    for row in rows:
        what = f'playlist item "{row["title"]}"'
        problem = off_target_problem(row["media_url"], target, olds, what=what) or range_problem(
            http, row["media_url"], old_origins=olds, what=what, evidence=evidence, target=target
        )
        problems += [problem] if problem else []
    fail_on(problems, "the playlist does not play what the database lists")
