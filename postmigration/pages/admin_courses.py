"""The admin's course screen: course (with thumbnail) → module → lesson, and the catalogue."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, expect

from postmigration.pages._base import DEFAULT_TIMEOUT_MS, ScreenPage

__all__ = ["AdminCoursesPage"]


class AdminCoursesPage(ScreenPage):
    """Create a course, a module in it and a lesson in the module; find them in the catalogue."""

    route_name = "admin_courses"
    heading_key = "admin_courses_heading"

    def create_course(
        self, title: str, thumbnail: Path | str | None = None, description: str = ""
    ) -> None:
        """Fill the new-course form (with a thumbnail file if given) and submit it."""
        self.field("course_title_label").fill(title)
        if description:
            self.field("course_description_label").fill(description)
        if thumbnail is not None:
            self.field("course_thumbnail_label").set_input_files(str(thumbnail))
        self.button("create_course_button").click()

    def add_module(self, course_title: str, module_title: str) -> None:
        """Add a module to the course chosen by its title."""
        self.field("module_course_label").select_option(label=course_title)
        self.field("module_title_label").fill(module_title)
        self.button("add_module_button").click()

    def add_lesson(
        self, course_title: str, module_title: str, lesson_title: str, content: str = ""
    ) -> None:
        """Add a lesson to the module chosen by its course's and its own title."""
        option = self.text("lesson_module_option", course=course_title, module=module_title)
        self.field("lesson_module_label").select_option(label=option)
        self.field("lesson_title_label").fill(lesson_title)
        if content:
            self.field("lesson_content_label").fill(content)
        self.button("add_lesson_button").click()

    def expect_course_created(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app confirms the course was created."""
        self.expect_outcome("course_created_message", timeout=timeout)

    def expect_module_added(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app confirms the module was added."""
        self.expect_outcome("module_added_message", timeout=timeout)

    def expect_lesson_added(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app confirms the lesson was added."""
        self.expect_outcome("lesson_added_message", timeout=timeout)

    def catalogue_entry(self, course_title: str) -> Locator:
        """The catalogue's entry for a course: the list item holding its heading."""
        catalogue = self.page.get_by_role("region", name=self.text("catalogue_heading"), exact=True)
        heading = self.page.get_by_role("heading", name=course_title, exact=True)
        return catalogue.get_by_role("listitem").filter(has=heading).last

    def expect_in_catalogue(
        self,
        course_title: str,
        module_title: str | None = None,
        lesson_title: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_MS,
    ) -> None:
        """The catalogue shows the course, and under it the module and the lesson if given."""
        entry = self.catalogue_entry(course_title)
        expect(entry, f'the catalogue does not show the course "{course_title}"').to_be_visible(
            timeout=timeout
        )
        if module_title is not None:
            expect(
                entry.get_by_text(module_title, exact=True).first,
                f'the catalogue does not show the module "{module_title}" under its course',
            ).to_be_visible(timeout=timeout)
        if lesson_title is not None:
            expect(
                entry.get_by_text(lesson_title, exact=True).first,
                f'the catalogue does not show the lesson "{lesson_title}" under its course',
            ).to_be_visible(timeout=timeout)

    def expect_thumbnail_rendered(
        self, course_title: str, *, timeout: float = DEFAULT_TIMEOUT_MS
    ) -> str:
        """The course's thumbnail loads and renders (naturalWidth > 0); returns its URL."""
        alt = self.text("course_thumbnail_alt", title=course_title)
        image = self.page.get_by_role("img", name=alt, exact=True).first
        return self.expect_image_rendered(
            image, f'the thumbnail of "{course_title}"', timeout=timeout
        )
