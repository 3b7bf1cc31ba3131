"""Today's mission: the question and the user's saved answer."""

from __future__ import annotations

from playwright.sync_api import expect

from postmigration.pages._base import DEFAULT_TIMEOUT_MS, ScreenPage

__all__ = ["DailyMissionPage"]


class DailyMissionPage(ScreenPage):
    """Answer today's question and see the answer kept."""

    route_name = "daily_mission"
    heading_key = "daily_mission_heading"

    def answer(self, text: str) -> None:
        """Type the answer and press save."""
        self.field("mission_answer_label").fill(text)
        self.button("save_answer_button").click()

    def expect_answer_saved(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app confirms the answer was saved."""
        self.expect_outcome("answer_saved_message", timeout=timeout)

    def expect_answer_shown(self, text: str, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The answer box holds this answer (e.g. after a reload)."""
        expect(
            self.field("mission_answer_label"),
            "the mission's answer field does not hold the answer",
        ).to_have_value(text, timeout=timeout)
