"""The home screen: the hero video and the playlist."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, expect

from postmigration.pages._base import DEFAULT_TIMEOUT_MS, ScreenPage

__all__ = ["HomePage"]

_PLAYLIST_ROWS = """list => [...list.querySelectorAll(':scope > li')].map(li => {
  const media = li.querySelector('video, audio, source, a[href]');
  const url = media ? (media.currentSrc || media.src || media.href || '') : '';
  return { title: li.innerText.trim().split('\\n')[0].trim(), media_url: url };
})"""


class HomePage(ScreenPage):
    """The hero video (plays muted) and the playlist in the database's order."""

    route_name = "home"
    heading_key = "home_heading"

    @property
    def hero_video(self) -> Locator:
        """The hero <video>, found by its accessible name."""
        return self.page.get_by_label(self.text("hero_video_label")).first

    @property
    def playlist(self) -> Locator:
        """The playlist (a list named by the profile)."""
        return self.page.get_by_role("list", name=self.text("playlist_label"), exact=True)

    def hero_video_url(self) -> str:
        """The URL the hero video plays from."""
        return str(self.hero_video.evaluate("v => v.currentSrc || v.src"))

    def expect_hero_video_playing(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> dict[str, Any]:
        """The hero video has data to play (readyState >= 2) and its currentTime advances.

        The video is muted first, as browsers only let a page start muted media by itself.
        Returns the evidence: URL, readyState, start and later currentTime.
        """
        expect(self.hero_video, "the home page has no hero video").to_be_attached(timeout=timeout)
        handle = self.hero_video.element_handle(timeout=timeout)
        seconds = f"{timeout / 1000:.0f} s"
        self.wait_until(
            "v => v.readyState >= 2 || v.error !== null",
            handle,
            timeout=timeout,
            failure=lambda: (
                f"the hero video at {self.hero_video_url()} did not load in {seconds}"
                " (no frame to show and no media error: its server answered too slowly or sent no"
                " playable data)"
            ),
        )
        error = handle.evaluate("v => v.error && (v.error.message || 'code ' + v.error.code)")
        if error:
            raise AssertionError(f"the hero video at {self.hero_video_url()} failed: {error}")
        state = handle.evaluate(
            "v => { v.muted = true; const t = v.currentTime; v.play(); return [v.readyState, t]; }"
        )
        self.wait_until(
            "([v, t]) => v.currentTime > t || v.error !== null",
            [handle, state[1]],
            timeout=timeout,
            failure=lambda: (
                f"the hero video at {self.hero_video_url()} loaded but did not play:"
                f" its time did not advance in {seconds}"
            ),
        )
        later = handle.evaluate("v => [v.currentTime, v.error && v.error.code]")
        if later[1]:
            raise AssertionError(
                f"the hero video at {self.hero_video_url()} stopped with error code {later[1]}"
            )
        handle.evaluate("v => v.pause()")
        return {
            "url": self.hero_video_url(),
            "ready_state": state[0],
            "start_time": state[1],
            "later_time": later[0],
        }

    def playlist_items(self) -> list[dict[str, str]]:
        """The playlist as shown: each item's title and media URL, top to bottom."""
        expect(self.playlist, "the playlist is not shown").to_be_visible()
        return list(self.playlist.evaluate(_PLAYLIST_ROWS))

    def expect_playlist(self, titles: list[str], *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The playlist shows exactly these titles, in this order."""
        expect(
            self.playlist.locator(":scope > li"), "the playlist does not list the expected titles"
        ).to_have_text(titles, timeout=timeout)
