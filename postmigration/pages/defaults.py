"""Routes and selectors of the reference app: the app profile's defaults for the page objects.

A real app overrides any of them under ``[app.routes]`` / ``[app.selectors]`` in
``postmigration.toml``. A selector's value is what the user sees: a field's label, a button's
name, a heading, a message ("Answer saved"). A value starting with a Playwright selector engine
(``css=``, ``xpath=``, ``role=``, ``text=``, ``label=``, ``data-testid=``, ``internal:``) is used
as that selector instead, for apps whose markup has no usable label. ``{placeholders}`` are filled
in by the page objects (e.g. ``{title}`` with a course title).

This module imports nothing from Playwright so that the config loader can read it cheaply.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["DEFAULT_ROUTES", "DEFAULT_SELECTORS"]

DEFAULT_ROUTES = MappingProxyType(
    {
        "login": "/login",
        "home": "/",
        "profile": "/profile",
        "admin_courses": "/admin/courses",
        "goals": "/goals",
        "invites": "/invites",
        "daily_mission": "/missions/today",
        "weight": "/weight",
        # not a screen: the manifest of the build the site serves ({"build": ...})
        "build": "/build.json",
    }
)

DEFAULT_SELECTORS = MappingProxyType(
    {
        # every screen
        "app_state_attribute": "data-app-state",  # on <body>; "" when the app has none
        "app_state_ready": "ready",
        "app_state_error": "error",
        "main_navigation": "Main",
        # sign in / out
        "login_heading": "Sign in",
        "email_label": "Email",
        "password_label": "Password",
        "sign_in_button": "Sign in",
        "sign_out_button": "Sign out",
        # home
        "home_heading": "Home",
        "hero_video_label": "Hero video",
        "playlist_label": "Playlist",
        # profile
        "profile_heading": "Profile",
        "avatar_file_label": "Avatar image",
        "upload_avatar_button": "Upload avatar",
        "avatar_image_alt": "Your avatar",
        "avatar_saved_message": "Avatar updated",
        # admin: courses
        "admin_courses_heading": "Manage courses",
        "course_title_label": "Course title",
        "course_description_label": "Description",
        "course_thumbnail_label": "Thumbnail",
        "create_course_button": "Create course",
        "course_created_message": "Course created",
        "module_course_label": "Course",
        "module_title_label": "Module title",
        "add_module_button": "Add module",
        "module_added_message": "Module added",
        "lesson_module_label": "Module",
        "lesson_module_option": "{course} — {module}",
        "lesson_title_label": "Lesson title",
        "lesson_content_label": "Lesson content",
        "add_lesson_button": "Add lesson",
        "lesson_added_message": "Lesson added",
        "catalogue_heading": "Catalogue",
        "course_thumbnail_alt": "Thumbnail of {title}",
        # goals and invitations
        "goals_heading": "Goals",
        "goal_title_label": "Goal title",
        "invitee_email_label": "Invitee email",
        "invitee_phone_label": "Invitee phone",
        "create_goal_button": "Create goal and send invite",
        "invite_sent_message": "Invite sent",
        "invites_heading": "Invitations",
        "invite_card_name": "Invitation: {goal}",
        "accept_invite_button": "Accept invitation",
        "invite_accepted_message": "Invitation accepted",
        # daily mission
        "daily_mission_heading": "Today's mission",
        "mission_answer_label": "Your answer",
        "save_answer_button": "Save answer",
        "answer_saved_message": "Answer saved",
        # weight
        "weight_heading": "Weight",
        "weight_label": "Weight (kg)",
        "add_measurement_button": "Add measurement",
        "measurement_added_message": "Measurement added",
        "weight_history_table": "Weight history",
        "show_report_button": "Show report",
        "report_ready_message": "Report ready",
        "weight_report_label": "Weight report",
        "report_count_term": "Measurements",
        "report_latest_term": "Latest",
        "report_change_term": "Change",
    }
)
