"""storage-parity compares the app's buckets and every other bucket old has."""

from __future__ import annotations

from postmigration.storage_parity import buckets_to_compare


def test_the_app_s_buckets_come_first_then_old_s_others_by_name() -> None:
    """Old's buckets outside the app's list are added, sorted; none is compared twice."""
    app = ("avatars", "course-thumbnails")
    assert buckets_to_compare(app, ["exports", "avatars", "backups"]) == (
        "avatars",
        "course-thumbnails",
        "backups",
        "exports",
    )


def test_an_app_bucket_old_lacks_is_still_compared() -> None:
    """A bucket the app needs but old does not have stays in the list (its objects on new
    are then named as not on old)."""
    assert buckets_to_compare(("avatars", "media"), ["avatars"]) == ("avatars", "media")
