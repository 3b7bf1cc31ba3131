"""The profile screen: avatar upload."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator

from postmigration.pages._base import DEFAULT_TIMEOUT_MS, ScreenPage

__all__ = ["ProfilePage"]


class ProfilePage(ScreenPage):
    """Upload an avatar and see it rendered."""

    route_name = "profile"
    heading_key = "profile_heading"

    @property
    def avatar(self) -> Locator:
        """The user's avatar image, by its alt text."""
        return self.page.get_by_role("img", name=self.text("avatar_image_alt"), exact=True)

    def upload_avatar(self, path: Path | str) -> None:
        """Choose the image file and press the upload button."""
        self.field("avatar_file_label").set_input_files(str(path))
        self.button("upload_avatar_button").click()

    def expect_avatar_saved(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app confirms the avatar was saved."""
        self.expect_outcome("avatar_saved_message", timeout=timeout)

    def expect_avatar_rendered(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> str:
        """The avatar image loads and renders (naturalWidth > 0); returns its URL."""
        return self.expect_image_rendered(self.avatar, "the avatar", timeout=timeout)
