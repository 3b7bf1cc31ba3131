"""A target that accepts connections and never answers: the foundations say so after one
probe timeout, the items on them are blocked, and the gate stops early (no other test runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmigration.checklist import CHECKLIST
from reference.stack.dead_ports import silent_port
from selftests.core.conftest import (
    OUT_OF_DEFAULT_PHASE,
    item,
    passing_suite,
    run,
    summary,
    write_config,
)


def test_a_target_that_never_answers_stops_the_gate_early(pytester: pytest.Pytester) -> None:
    """API, auth and database items are blocked with 'no answer' in one line; every other item
    is not verified, saying the gate stopped early; tests of those items never start."""
    ran = pytester.path / "ran.txt"
    with silent_port() as port:
        config = write_config(pytester, f"http://127.0.0.1:{port}")
        dead_db = f'db_url = "postgresql://postgres:pw@127.0.0.1:{port}/postgres"\n\n'
        config.write_text(
            config.read_text().replace("[accounts.admin]", dead_db + "[accounts.admin]")
        )
        pytester.makepyfile(
            test_suite=passing_suite(except_items=("app-deploy",)),
            # app-deploy stands on no foundation: only stopping early keeps it from running.
            test_app_deploy=f"""
import pathlib, pytest

@pytest.mark.item("app-deploy")
def test_site_serves_the_app(target):
    pathlib.Path({str(ran)!r}).write_text("app-deploy ran")
""",
        )
        result = run(pytester, "--target=new")
    assert result.ret == 1
    assert not ran.exists(), ran.read_text()
    data = summary(pytester)
    assert data["verdict"] == "NO-GO"
    login = item(data, "login")
    assert login["status"] == "blocked"
    assert login["reason"] == (
        f"blocked by: target unreachable (GET http://127.0.0.1:{port}/rest/v1/: "
        "no answer within 5s)"
    )
    assert item(data, "migrations")["reason"].startswith("blocked by: database unreachable (")
    for other in CHECKLIST:
        # tls-dns still runs (it may say why); items out of the default phase do not apply.
        if not other.depends_on and other.id not in ("tls-dns", *OUT_OF_DEFAULT_PHASE):
            found = item(data, other.id)
            assert found["status"] == "not_verified", found
            assert found["reason"].startswith("skipped: the gate stopped early, target "), found
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert Path(pytester.path / "reports" / "summary.json").is_file()
