"""The verdict rules, run through pytest itself (pytester) against a fake target on a real socket."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from postmigration.checklist import CHECKLIST
from selftests.core.conftest import (
    OUT_OF_DEFAULT_PHASE,
    FakeSupabase,
    failing_suite,
    item,
    passing_suite,
    run,
    summary,
    write_config,
)


def test_every_blocker_passing_is_go(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    assert result.ret == 0
    data = summary(pytester)
    assert data["verdict"] == "GO"
    # sign-offs and repo-ready mean something before the DNS switch only; the default phase is
    # post-cutover.
    assert {i["status"] for i in data["items"] if i["id"] not in OUT_OF_DEFAULT_PHASE} == {"passed"}
    assert {item(data, i)["status"] for i in OUT_OF_DEFAULT_PHASE} == {"not_applicable"}
    result.stdout.fnmatch_lines(["*GO: every blocker item passed*"])


def test_a_skipped_blocker_is_no_go(pytester: pytest.Pytester, fake_supabase: FakeSupabase) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(
        test_suite=passing_suite(except_items=("buckets",)),
        test_buckets="""
import pytest

@pytest.mark.item("buckets")
def test_buckets_listed(target):
    pytest.skip("storage API not configured")
""",
    )
    result = run(pytester, "--target=new")
    assert result.ret == 1
    data = summary(pytester)
    assert data["verdict"] == "NO-GO"
    buckets = item(data, "buckets")
    assert buckets["status"] == "not_verified"
    assert buckets["reason"] == "skipped: storage API not configured"


def test_an_item_without_tests_is_no_go(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite(except_items=("login",)))
    result = run(pytester, "--target=new")
    assert result.ret == 1
    login = item(summary(pytester), "login")
    assert login["status"] == "not_verified"
    assert login["reason"] == "no test covers this item"
    assert login["tests"] == []


def test_a_failed_warning_is_still_go(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    # A waived blocker is reported as a warning, with the team's reason, and does not hold the gate.
    write_config(
        pytester,
        fake_supabase.url,
        extra='[waivers]\nrollback-dump = "dumps live in the DBA vault"',
    )
    pytester.makepyfile(**failing_suite("rollback-dump", "no dump newer than 24h"))
    result = run(pytester, "--target=new")
    assert result.ret == 0
    data = summary(pytester)
    assert data["verdict"] == "GO"
    rollback = item(data, "rollback-dump")
    assert (rollback["severity"], rollback["status"]) == ("warning", "failed")
    assert rollback["reason"] == "waived: dumps live in the DBA vault (no dump newer than 24h)"


def test_without_a_waiver_the_same_failure_is_no_go(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(**failing_suite("rollback-dump", "no dump newer than 24h"))
    result = run(pytester, "--target=new")
    assert result.ret == 1
    rollback = item(summary(pytester), "rollback-dump")
    assert (rollback["severity"], rollback["status"]) == ("blocker", "failed")


def test_a_waiver_for_an_unknown_item_is_a_config_error(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url, extra='[waivers]\nroll-back = "typo"')
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    assert result.ret == 4
    assert "[waivers] names unknown item 'roll-back'" in result.stderr.str() + result.stdout.str()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('@pytest.mark.xfail(reason="known bug")\ndef test_x(target):\n    assert False', "xfail"),
        (
            "@pytest.fixture\ndef broken():\n    raise RuntimeError('fixture exploded')\n\n"
            "def test_x(target, broken):\n    pass",
            "error in setup: RuntimeError: fixture exploded",
        ),
    ],
    ids=["xfail", "error"],
)
def test_xfail_and_error_are_not_verified(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, body: str, reason: str
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(
        test_suite=passing_suite(except_items=("login",)),
        test_login=f'import pytest\n\npytestmark = pytest.mark.item("login")\n\n{body}\n',
    )
    result = run(pytester, "--target=new")
    assert result.ret == 1
    login = item(summary(pytester), "login")
    assert login["status"] == "not_verified"
    assert login["reason"].startswith(reason)


def test_a_failed_blocker_names_the_failure(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(**failing_suite("buckets", 'bucket "avatars" is not public'))
    result = run(pytester, "--target=new")
    assert result.ret == 1
    buckets = item(summary(pytester), "buckets")
    assert buckets["status"] == "failed"
    assert buckets["reason"] == 'bucket "avatars" is not public'
    result.stdout.fnmatch_lines(["*NO-GO: 1 blocker failed (buckets)*"])


def test_a_request_left_unanswered_is_named_in_the_reason(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    """A test that meets a network error it does not handle fails its item with the request
    and what the server did, not httpx's class name."""
    write_config(pytester, fake_supabase.url)
    dropping = (
        "import pytest\n\n"
        '@pytest.mark.item("login")\n'
        "def test_login(http, target):\n"
        '    http.post(f"{target.supabase_url}/auth/v1/token?grant_type=password", json={})\n'
    )
    pytester.makepyfile(test_suite=passing_suite(except_items=("login",)), test_login=dropping)
    result = run(pytester, "--target=new")
    assert result.ret == 1
    said = item(summary(pytester), "login")["reason"]
    assert said == (
        f"no answer to POST {fake_supabase.url}/auth/v1/token?grant_type=…: the server closed"
        " the connection before a complete answer"
    ), said
    assert fake_supabase.requests.count("/auth/v1/token?grant_type=password") == 1


def test_auth_down_blocks_dependent_items_at_once(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    fake_supabase.statuses["auth"] = 503
    write_config(pytester, fake_supabase.url)
    # Tests that would hang if they ran: blocking must stop them before they start.
    pytester.makepyfile(
        test_suite=passing_suite(except_items=("login",)),
        test_login="""
import time, pytest

@pytest.mark.item("login")
def test_login_form(target):
    time.sleep(60)
""",
    )
    started = time.monotonic()
    result = run(pytester, "--target=new")
    assert time.monotonic() - started < 20
    assert result.ret == 1
    data = summary(pytester)
    login = item(data, "login")
    assert login["status"] == "blocked"
    assert login["reason"].startswith("blocked by: auth down (GET ")
    assert login["reason"].endswith("/auth/v1/health → 503)")
    # Items that do not stand on auth are not run: with the target down the verdict is known.
    buckets = item(data, "buckets")
    assert buckets["status"] == "not_verified"
    assert buckets["reason"] == "skipped: the gate stopped early, " + login["reason"].removeprefix(
        "blocked by: "
    )
    assert fake_supabase.requests.count("/auth/v1/health") == 1
    result.stdout.fnmatch_lines(
        ["*stopping early: auth down, every other item is not run (but tls-dns)*"]
    )


def test_an_unreachable_target_is_no_go_with_every_api_item_blocked(
    pytester: pytest.Pytester,
) -> None:
    write_config(pytester, "http://127.0.0.1:9")  # the discard port: nothing listens
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new")
    assert result.ret == 1
    data = summary(pytester)
    assert data["verdict"] == "NO-GO"
    blocked = [i["id"] for i in data["items"] if i["status"] == "blocked"]
    # Nothing listens: the API and auth are both down.
    expected = [i.id for i in CHECKLIST if {"reachable", "auth"} & set(i.depends_on)]
    assert blocked == expected
    stopped = {i["id"] for i in data["items"] if "the gate stopped early" in i["reason"]}
    assert stopped == {i["id"] for i in data["items"] if i["status"] == "not_verified"}
    assert "migrations" in stopped
    assert item(data, "login")["reason"].startswith("blocked by: target unreachable (GET ")
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_an_unknown_item_id_is_a_collection_error(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(
        test_typo='import pytest\n\n@pytest.mark.item("logn")\ndef test_x():\n    pass\n'
    )
    result = run(pytester, "--target=new")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*unknown checklist item 'logn' (known: login, upload,*"])
    assert summary(pytester)["verdict"] == "NO-GO"


def test_passive_without_a_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    result = run(pytester)
    assert result.ret == 0
    assert not (pytester.path / "reports").exists()
    assert "post-migration checklist" not in result.stdout.str()


def test_a_checklist_test_without_a_target_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_login='import pytest\n\n@pytest.mark.item("login")\ndef test_x():\n    pass\n'
    )
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*is a checklist test and needs a target: run with --target=NAME*"]
    )


def test_same_verdict_under_xdist(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(**failing_suite("upload", "public URL answered 404"))
    # This checkout's package, not whichever one the venv's editable install points at.
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[2]))
    result = pytester.runpytest_subprocess("--target=new", "-n", "2")
    assert result.ret == 1
    data = summary(pytester)
    assert data["verdict"] == "NO-GO"
    assert item(data, "upload")["reason"] == "public URL answered 404"
    not_passed = [i["id"] for i in data["items"] if i["status"] != "passed"]
    # sign-offs and repo-ready: not applicable post-cutover
    assert not_passed == ["upload", *OUT_OF_DEFAULT_PHASE]
    # Foundations were probed once, by the controller.
    assert fake_supabase.requests.count("/auth/v1/health") == 1
