"""Cleanup of the run's own traces on a real stand-in: whatever carries the run id goes even
unregistered, and so do the audit log's entries about the run's rows; nothing else does."""

from __future__ import annotations

import psycopg
from supabase import create_client

from postmigration.cleanup import AUDIT_LOG, sweep_own
from reference.stack.runner import StackProcess


def test_sweep_own_removes_tagged_rows_and_the_audit_entries_about_them(
    stack: StackProcess,
) -> None:
    """A course of run pm-eeeeee that nobody registered, the log entry tagged with its title,
    and a log entry about it whose details no longer carry the tag are removed; another run's
    course, an untagged course and the log entries about those stay."""
    service = create_client(stack.url, stack.target["service_role_key"])
    with psycopg.connect(stack.target["db_url"], autocommit=True) as conn:

        def course(title: str) -> str:
            row = conn.execute(
                "insert into public.courses (title) values (%s) returning id::text", (title,)
            ).fetchone()
            assert row is not None
            return str(row[0])

        def log(course_id: str, title: str) -> int:
            row = conn.execute(
                "insert into public.admin_logs (action, entity, entity_id, details) "
                "values ('insert', 'courses', %s, jsonb_build_object('title', %s::text)) "
                "returning id",
                (course_id, title),
            ).fetchone()
            assert row is not None
            return int(row[0])

        mine = course("pm-eeeeee course let through 1a2b")
        other = course("pm-ffffff course of another run 3c4d")
        untagged = course("Untagged course")
        logs = {
            "tagged": log(mine, "pm-eeeeee course let through 1a2b"),
            "about mine": log(mine, "renamed since"),
            "about other": log(other, "pm-ffffff course of another run 3c4d"),
            "about untagged": log(untagged, "Untagged course"),
        }
        try:
            removed, problems = sweep_own(
                service,
                "pm-eeeeee",
                columns={"admin_logs": "details->>title", "courses": "title"},
                audit=AUDIT_LOG,
            )
            assert problems == []
            left_courses = {
                r[0]
                for r in conn.execute(
                    "select id::text from public.courses where id::text = any(%s)",
                    ([mine, other, untagged],),
                ).fetchall()
            }
            assert left_courses == {other, untagged}
            left_logs = {
                r[0]
                for r in conn.execute(
                    "select id from public.admin_logs where id = any(%s)", (list(logs.values()),)
                ).fetchall()
            }
            assert left_logs == {logs["about other"], logs["about untagged"]}
            assert f"courses {mine}" in removed
            assert any(f"(about courses {mine})" in line for line in removed), removed
        finally:
            conn.execute("delete from public.admin_logs where id = any(%s)", (list(logs.values()),))
            conn.execute(
                "delete from public.courses where id::text = any(%s)", ([mine, other, untagged],)
            )
