"""Cleanup on a real stand-in: the registry removes and restores what it was told, and the
sweep removes only old leftovers of other runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from supabase import create_client

from postmigration.cleanup import Created, sweep
from reference.stack.runner import StackProcess


def _db(stack: StackProcess) -> psycopg.Connection:
    return psycopg.connect(stack.target["db_url"], autocommit=True)


def test_registry_deletes_rows_and_objects_and_restores_values(stack: StackProcess) -> None:
    """Rows (by id or by a column), objects and overwritten values are all put right."""
    service = create_client(stack.url, stack.target["service_role_key"])
    registry = Created("pm-aaaaaa")
    title = registry.label("goal")
    assert title.startswith("pm-aaaaaa goal ")
    user_id = service.table("profiles").select("id,full_name").eq("email", "user@lms.test")
    profile = user_id.execute().data[0]
    goal = service.table("goals").insert({"title": title, "owner_id": profile["id"]}).execute()
    registry.row("goals", title, column="title")
    # Rows of one table registered in a row go in one delete: quoting must hold for each title.
    second = registry.label('goal, "quoted" (2)')
    service.table("goals").insert({"title": second, "owner_id": profile["id"]}).execute()
    registry.row("goals", second, column="title")
    kept = service.table("goals").insert({"title": "pmx kept", "owner_id": profile["id"]})
    kept_id = kept.execute().data[0]["id"]
    service.storage.from_("chat-images").upload(
        f"{profile['id']}/pm-aaaaaa-x.png", b"\x89PNG", {"content-type": "image/png"}
    )
    registry.object("chat-images", f"{profile['id']}/pm-aaaaaa-x.png")
    registry.restore("profiles", {"id": profile["id"]}, {"full_name": profile["full_name"]})
    service.table("profiles").update({"full_name": "pm-aaaaaa changed"}).eq(
        "id", profile["id"]
    ).execute()
    assert len(registry) == 4

    assert registry.clean(service) == []
    assert service.table("goals").select("id").eq("id", goal.data[0]["id"]).execute().data == []
    assert service.table("goals").select("id").eq("title", second).execute().data == []
    assert service.table("goals").select("id").eq("id", kept_id).execute().data != []
    service.table("goals").delete().eq("id", kept_id).execute()
    names = [e["name"] for e in service.storage.from_("chat-images").list(profile["id"])]
    assert "pm-aaaaaa-x.png" not in names
    again = service.table("profiles").select("full_name").eq("id", profile["id"]).execute()
    assert again.data[0]["full_name"] == profile["full_name"]
    assert len(registry) == 0


def test_sweep_removes_old_leftovers_of_other_runs_only(stack: StackProcess) -> None:
    """An hour-old goal of run pm-bbbbbb goes; this run's, a fresh one, and an untagged one stay."""
    service = create_client(stack.url, stack.target["service_role_key"])
    with _db(stack) as conn:
        owner = conn.execute("select id from auth.users where email = 'user@lms.test'").fetchone()[
            0
        ]  # type: ignore[index]
        made = {}
        for name, age in (
            ("pm-bbbbbb goal old", "2 hours"),
            ("pm-cccccc goal fresh", "1 minute"),
            ("pm-dddddd goal mine", "2 hours"),
            ("pmx goal not ours", "2 hours"),
        ):
            made[name] = conn.execute(
                "insert into public.goals (owner_id, title, created_at) "
                "values (%s, %s, now() - %s::interval) returning id",
                (owner, name, age),
            ).fetchone()[0]  # type: ignore[index]
    try:
        removed, problems = sweep(
            service, "pm-dddddd", columns={"goals": "title"}, min_age=timedelta(minutes=30),
            now=datetime.now(UTC),
        )  # fmt: skip
        assert (removed, problems) == ([f"goals {made['pm-bbbbbb goal old']}"], [])
    finally:
        with _db(stack) as conn:
            conn.execute("delete from public.goals where id = any(%s)", (list(made.values()),))
