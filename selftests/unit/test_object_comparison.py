"""The comparison of what a restore carries besides tables (no database): extensions by name
and schema, their versions only shown; the platform's own Realtime messages publication left
out; every other difference still named."""

from __future__ import annotations

from postmigration.db.objects import extension_version_differences, object_differences

# A PostgreSQL 15 project and a newer one, as hosted Supabase has them: same extensions, same
# schemas, the versions of each project's Postgres image.
OLD_EXTENSIONS = {
    "pg_graphql": "in schema graphql, version 1.5.1",
    "pg_net": "in schema extensions, version 0.7.1",
    "supabase_vault": "in schema vault, version 0.2.8",
    "pg_cron": "in schema pg_catalog, version 1.6",
    "uuid-ossp": "in schema extensions, version 1.1",
}
NEW_EXTENSIONS = {
    **OLD_EXTENSIONS,
    "pg_graphql": "in schema graphql, version 1.5.11",
    "pg_net": "in schema extensions, version 0.14.0",
    "supabase_vault": "in schema vault, version 0.3.1",
    "pg_cron": "in schema pg_catalog, version 1.6.4",
}
REALTIME = "all tables f, publishes insert update delete truncate"
MESSAGES = "supabase_realtime_messages_publication"


def _publications(day: str, *, app_tables: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """supabase_realtime with `app_tables`, and the platform's publication of `day`'s messages."""
    return {
        "publication": {"supabase_realtime": REALTIME, MESSAGES: "all tables f, publishes insert"},
        "published table": {
            **{f"{t} in publication supabase_realtime": "published" for t in app_tables},
            f"realtime.messages_{day} in publication {MESSAGES}": "published",
            f"realtime.messages_{day} in publication supabase_realtime": "published",
        },
    }


def test_extension_versions_of_another_postgres_image_are_no_difference() -> None:
    """pg_graphql, pg_net, Vault and pg_cron at new's image's versions: no finding; each
    version shown for the evidence."""
    new, old = {"extension": NEW_EXTENSIONS}, {"extension": OLD_EXTENSIONS}
    assert object_differences(new, old) == []
    assert extension_version_differences(new, old) == [
        "extension pg_cron is at version 1.6.4 on new, 1.6 on old (a version is not compared)",
        "extension pg_graphql is at version 1.5.11 on new, 1.5.1 on old (a version is not compared)",
        "extension pg_net is at version 0.14.0 on new, 0.7.1 on old (a version is not compared)",
        "extension supabase_vault is at version 0.3.1 on new, 0.2.8 on old"
        " (a version is not compared)",
    ]


def test_a_missing_extension_still_fails() -> None:
    """pg_net absent on new: named as missing (an extension only on new is allowed)."""
    new = {k: v for k, v in NEW_EXTENSIONS.items() if k != "pg_net"} | {"vector": "in schema x"}
    assert object_differences({"extension": new}, {"extension": OLD_EXTENSIONS}) == [
        "extension pg_net is missing on new"
    ]


def test_an_extension_in_another_schema_still_fails_with_both_lines() -> None:
    """uuid-ossp restored into public (at old's version or another): named with new's and
    old's lines in full."""
    for version in ("1.1", "1.2"):
        new = {**NEW_EXTENSIONS, "uuid-ossp": f"in schema public, version {version}"}
        assert object_differences(
            {"extension": new}, {"extension": OLD_EXTENSIONS}, old_name="the snapshot"
        ) == [
            f"extension uuid-ossp differs: new has 'in schema public, version {version}',"
            " the snapshot has 'in schema extensions, version 1.1'"
        ]
        versions = extension_version_differences({"extension": new}, {"extension": OLD_EXTENSIONS})
        assert not any("uuid-ossp" in line for line in versions), versions


def test_the_platforms_messages_publication_and_its_daily_partitions_are_left_out() -> None:
    """Old's realtime.messages partitions of one day, new's of another, in the platform's
    publication (or in supabase_realtime): no finding, on either side."""
    app = ("public.notifications",)
    old = _publications("2024_06_01", app_tables=app)
    new = _publications("2024_06_02", app_tables=app)
    assert object_differences(new, old) == []
    new_without = {c: {k: v for k, v in f.items() if MESSAGES not in k} for c, f in new.items()}
    assert object_differences(new_without, old) == []


def test_an_app_table_dropped_from_a_publication_still_fails() -> None:
    """public.notifications no longer in supabase_realtime, a publication of the app's lost:
    each named as before."""
    old = _publications("2024_06_01", app_tables=("public.notifications", "public.goals"))
    old["publication"]["app_feed"] = REALTIME
    new = _publications("2024_06_02", app_tables=("public.goals",))
    assert object_differences(new, old) == [
        "publication app_feed is missing on new",
        "published table public.notifications in publication supabase_realtime is missing on new",
    ]
