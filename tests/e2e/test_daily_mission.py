"""Post-migration: "Daily mission answers save", through the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.pages import DailyMissionPage

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("daily-mission")]


def _today_mission(client: Client, missions: str) -> dict[str, Any]:
    rows = (
        client.table(missions)
        .select("id,mission_date,question")
        .lte("mission_date", date.today().isoformat())
        .order("mission_date", desc=True)
        .limit(1)
        .execute()
        .data
    )
    if not rows:
        pytest.fail(
            "there is no mission for today: the daily mission screen is empty", pytrace=False
        )
    return dict(rows[0])


def test_mission_answer_is_saved_kept_and_private(
    target: Target,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    signed_in: Callable[[str], Client],
    service_client: Client,
    created: Created,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """The user answers today's mission; the answer survives a reload, its row is the user's,
    and another user cannot read it."""
    target.require_writable()
    answers = app_profile.table("mission_answers")
    user = signed_in("user")
    session = user.auth.get_session()
    uid = session.user.id if session else ""
    mission = _today_mission(user, app_profile.table("daily_missions"))
    previous = (
        service_client.table(answers)
        .select("id,answer")
        .eq("mission_id", mission["id"])
        .eq("user_id", uid)
        .execute()
        .data
    )
    answer = created.label("answer")
    if previous:
        created.restore(answers, {"id": previous[0]["id"]}, {"answer": previous[0]["answer"]})
    else:
        created.row(answers, answer, column="answer")
    page = screen(DailyMissionPage, app_page("user"))
    page.goto()
    page.answer(answer)
    page.expect_answer_saved()
    page.reload()
    page.expect_answer_shown(answer)

    rows = (
        user.table(answers)
        .select("id,answer,user_id")
        .eq("mission_id", mission["id"])
        .eq("user_id", uid)
        .execute()
        .data
    )
    evidence.text("the user's answer row", str(rows))
    problems = []
    if not rows or rows[0]["answer"] != answer:
        problems.append(
            f"the user's answer row for the mission of {mission['mission_date']} holds "
            f"{rows[0]['answer'] if rows else 'nothing'!r}, not the answer just saved"
        )
    else:
        seen = signed_in("invitee").table(answers).select("id,answer").eq("id", rows[0]["id"])
        if seen.execute().data:
            problems.append(f"ANOTHER user can read this user's mission answer (RLS on {answers})")
    fail_on(problems, "the mission answer is not saved as the app promises")
