"""Post-migration: "Play hero video and load playlist" — the media URLs, as the player fetches them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.media import off_target_problem, range_problem
from postmigration.origins import old_origins
from postmigration.refusals import Refused, attempt

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("hero-video")]


def _rows(query: Any, what: str) -> list[dict[str, Any]]:
    answer = attempt(query.execute)
    if isinstance(answer, Refused):
        pytest.fail(f"visitors cannot read {what}: {answer}", pytrace=False)
    return list(answer.data or [])


def _media(anon_client: Client, app_profile: AppProfile) -> list[tuple[str, str]]:
    """(what, url) for the active hero video and every playlist item, as a visitor reads them."""
    heroes = _rows(
        anon_client.table(app_profile.table("hero_videos"))
        .select("title,video_url")
        .eq("is_active", True),
        "the hero video",
    )
    if not heroes:
        pytest.fail("there is no active hero video: the home page shows none", pytrace=False)
    rows = _rows(
        anon_client.table(app_profile.table("playlist_items"))
        .select("title,media_url,position")
        .order("position"),
        "the playlist",
    )
    if not rows:
        pytest.fail("the playlist is empty for visitors", pytrace=False)
    return [(f'the hero video "{heroes[0]["title"]}"', heroes[0]["video_url"])] + [
        (f'playlist item "{r["title"]}"', r["media_url"]) for r in rows
    ]


def test_media_urls_point_at_the_target(
    target: Target,
    comparison_target: Target | None,
    anon_client: Client,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """The hero video and the playlist's media are served by the target, not by an old origin."""
    media = _media(anon_client, app_profile)
    evidence.text("media URLs", "\n".join(f"{what}: {url}" for what, url in media))
    olds = old_origins(target, comparison_target)
    problems = [off_target_problem(url, target, olds, what=what) for what, url in media]
    fail_on([p for p in problems if p], "home media is not served by the new server")


def test_media_answers_range_requests(
    target: Target,
    comparison_target: Target | None,
    anon_client: Client,
    app_profile: AppProfile,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """Each media URL answers a Range request with 206, so the browser can stream and seek;
    followed redirect by redirect, no hop is on an old origin and the last is on the target."""
    media = _media(anon_client, app_profile)
    olds = old_origins(target, comparison_target)
    problems = [
        range_problem(http, url, old_origins=olds, what=what, evidence=evidence, target=target)
        for what, url in media
    ]
    evidence.text("checked", "\n".join(url for _, url in media))
    fail_on([p for p in problems if p], "home media cannot be streamed")
