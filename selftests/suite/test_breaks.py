"""The seven post-migration checks can fail: break one thing on a real stand-in, run the suite
as a user would (a subprocess, real flags), and read the verdict in summary.json.

Each break is undone before the next one, so one stand-in serves the module; the secret break,
which needs a restart, comes last.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from reference.stack.runner import StackProcess
from reference.stack.settings import format_env_file, read_env_file
from selftests.gate.conftest import own_basetemp

ROOT = Path(__file__).resolve().parents[2]
SUITE_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A seeded stand-in of the module's own (the breaks must not reach other self-tests)."""
    with StackProcess(tmp_path_factory.mktemp("breaks")) as running:
        yield running


def run_suite(stack: StackProcess, report_dir: Path, *paths: str) -> dict[str, Any]:
    """Run the suite's `paths` against the stand-in and return summary.json, by item id."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        *paths,
        "-m",
        "postmigration",
        "--pm-config",
        str(stack.state_dir / "postmigration.toml"),
        "--target",
        "local",
        "--report-dir",
        str(report_dir),
        own_basetemp(report_dir),
        "-q",
        "-p",
        "no:warnings",
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=SUITE_TIMEOUT_S, check=False
    )
    summary_path = report_dir / "summary.json"
    assert summary_path.is_file(), f"no summary.json; the run said:\n{done.stdout[-3000:]}"
    summary = json.loads(summary_path.read_text())
    summary["by_id"] = {item["id"]: item for item in summary["items"]}
    summary["exit_code"] = done.returncode
    summary["output"] = done.stdout[-3000:]
    return summary


def sql(stack: StackProcess, statement: str) -> None:
    """Run one statement on the stand-in's database as its superuser."""
    with psycopg.connect(stack.target["db_url"], autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


LEFTOVER_QUERIES = {
    "courses": "select count(*) from public.courses where title like 'pm-%'",
    "goals": "select count(*) from public.goals where title like 'pm-%'",
    "notifications": "select count(*) from public.notifications where body like 'pm-%'",
    "mission answers": "select count(*) from public.mission_answers where answer like 'pm-%'",
    "admin_logs": "select count(*) from public.admin_logs where details->>'title' like 'pm-%'",
    "objects": "select count(*) from storage.objects where name ~ '(^|/)(pm-|avatar-)'",
    "weights": "select count(*) from public.weight_measurements where created_at > now() - interval '1 hour' and measured_at > now() - interval '1 hour'",
}


def leftovers(stack: StackProcess) -> dict[str, int]:
    """What the suite left behind on the stand-in (everything it makes is tagged or recent)."""
    with psycopg.connect(stack.target["db_url"], autocommit=True) as conn:
        counts = {k: conn.execute(q).fetchone()[0] for k, q in LEFTOVER_QUERIES.items()}  # type: ignore[arg-type, index]
    return {k: v for k, v in counts.items() if v}


def test_healthy_stand_in_passes_the_seven_items(stand_in: StackProcess, tmp_path: Path) -> None:
    """Unbroken, every one of the seven items passes (so a failure below is the break's)."""
    summary = run_suite(stand_in, tmp_path, "tests/smoke", "tests/e2e", "tests/edge_functions")
    for item in (
        "login",
        "upload",
        "admin-course",
        "goal-invite",
        "hero-video",
        "daily-mission",
        "weight-report",
    ):
        status = summary["by_id"][item]["status"]
        assert status == "passed", (
            f"{item}: {summary['by_id'][item]['reason']}\n{summary['output']}"
        )


def test_private_avatars_bucket_fails_upload(stand_in: StackProcess, tmp_path: Path) -> None:
    """avatars flipped private: upload fails, naming the avatar and the bucket's problem."""
    sql(stand_in, "update storage.buckets set public = false where id = 'avatars'")
    try:
        summary = run_suite(stand_in, tmp_path, "tests/e2e/test_upload.py")
    finally:
        sql(stand_in, "update storage.buckets set public = true where id = 'avatars'")
    upload = summary["by_id"]["upload"]
    assert summary["verdict"] == "NO-GO"
    assert upload["status"] == "failed", upload
    assert "avatar" in upload["reason"], upload["reason"]
    junit = (tmp_path / "junit.xml").read_text()
    assert "returned 400: bucket &quot;avatars&quot; is not public" in junit, junit[-2000:]
    thumbnail = [t for t in upload["tests"] if "thumbnail" in t["nodeid"]]
    assert thumbnail and thumbnail[0]["outcome"] == "passed", "only the avatar should fail"
    assert leftovers(stand_in) == {}, "a failed run must clean up too"


def test_revoked_grant_fails_daily_mission(stand_in: StackProcess, tmp_path: Path) -> None:
    """insert/update on mission_answers revoked from authenticated: daily-mission fails with
    the database's own words, shown by the app."""
    sql(stand_in, "revoke insert, update on public.mission_answers from authenticated")
    try:
        summary = run_suite(stand_in, tmp_path, "tests/e2e/test_daily_mission.py")
    finally:
        sql(stand_in, "grant insert, update on public.mission_answers to authenticated")
    mission = summary["by_id"]["daily-mission"]
    assert mission["status"] == "failed", mission
    assert "permission denied for table mission_answers" in mission["reason"], mission["reason"]
    assert leftovers(stand_in) == {}, "a failed run must clean up too"


def test_hidden_playlist_fails_hero_video(stand_in: StackProcess, tmp_path: Path) -> None:
    """select on playlist_items revoked from anon (a lost grant): hero-video fails, saying so."""
    sql(stand_in, "revoke select on public.playlist_items from anon")
    try:
        summary = run_suite(stand_in, tmp_path, "tests/smoke/test_home_media.py")
    finally:
        sql(stand_in, "grant select on public.playlist_items to anon")
    hero = summary["by_id"]["hero-video"]
    assert hero["status"] == "failed", hero
    assert "playlist" in hero["reason"] or "permission denied" in hero["reason"], hero["reason"]


def test_missing_resend_secret_fails_goal_invite(stand_in: StackProcess, tmp_path: Path) -> None:
    """RESEND_API_KEY emptied in functions.env and the functions restarted (a forgotten
    `supabase secrets set`): goal-invite fails naming the secret."""
    functions_env = stand_in.state_dir / "functions.env"
    secrets = read_env_file(functions_env)
    secrets["RESEND_API_KEY"] = ""
    functions_env.write_text(format_env_file(secrets))
    stand_in.stop()
    stand_in.start()
    summary = run_suite(stand_in, tmp_path, "tests/edge_functions/test_goal_notifications.py")
    invite = summary["by_id"]["goal-invite"]
    assert invite["status"] == "failed", f"{invite['reason']}\n{summary['output']}"
    assert "RESEND_API_KEY" in invite["reason"], invite["reason"]
