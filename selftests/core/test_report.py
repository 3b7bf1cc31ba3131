"""The reports' contents, and that no secret reaches any file under the report dir or the terminal."""

from __future__ import annotations

import json
import re
from typing import get_args

import pytest

from postmigration.checklist import CHECKLIST, ITEMS
from postmigration.report import STATUS_ORDER, put_verdict_first
from postmigration.verdict import Status
from selftests.core.conftest import (
    DB_PASSWORD,
    SECRETS,
    FakeSupabase,
    passing_suite,
    run,
    summary,
    write_config,
)
from selftests.report_texts import texts_in

# Shaped like a session token the suite might see in a response; configured nowhere.
STRAY_JWT = (
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0Iiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQifQ."
    "c3RyYXktdG9rZW4tc2lnbmF0dXJl"
)
LEAKY_TEST = f"""
import logging, zipfile
import pytest

SECRETS = {list(SECRETS) + [STRAY_JWT]!r}

@pytest.mark.item("login")
def test_login_leaks_everything(target, accounts, evidence, tmp_path):
    every = " ".join(SECRETS) + " " + target.db_url + " " + accounts["admin"].password
    print("stdout:", every)
    logging.getLogger("leak").warning("log: %s", every)
    evidence.text("response excerpt", "body: " + every)
    evidence.image("screenshot", b"\\x89PNG\\r\\n\\x1a\\n" + b"0" * 16)
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as z:
        z.writestr("trace.network", "Authorization: Bearer " + every)
    evidence.file("playwright trace", trace)
    assert False, "sign-in failed: " + every

@pytest.mark.item("buckets")
def test_buckets_skips_with_a_secret(target):
    pytest.skip("not configured: " + target.service_role_key)
"""


@pytest.fixture
def leaky_run(pytester: pytest.Pytester, fake_supabase: FakeSupabase) -> pytest.RunResult:
    write_config(pytester, fake_supabase.url)
    # A DB URL whose password must vanish too; nothing listens there, so database is down.
    config = pytester.path / "postmigration.toml"
    config.write_text(
        config.read_text().replace(
            "[accounts.admin]",
            f'db_url = "postgresql://postgres:{DB_PASSWORD}@127.0.0.1:9/postgres"\n\n'
            "[accounts.admin]",
        )
    )
    pytester.makepyfile(
        test_suite=passing_suite(except_items=("login", "buckets")), test_leaky=LEAKY_TEST
    )
    return run(pytester, "--target=new", "-rA", "-l", "--log-cli-level=WARNING")


def test_no_secret_in_any_report_file_or_the_terminal(
    pytester: pytest.Pytester, leaky_run: pytest.RunResult
) -> None:
    files = [p for p in (pytester.path / "reports").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"go-no-go.html", "summary.json", "junit.xml"}
    terminal = leaky_run.stdout.str() + leaky_run.stderr.str()
    assert "stdout:" in terminal and "[redacted]" in terminal  # the leak was printed, scrubbed
    # A secret's first 12 characters are enough to find one that was cut, not only whole ones.
    for secret in [*SECRETS, STRAY_JWT]:
        assert secret[:12] not in terminal
        for path in files:
            for text in texts_in(path):
                assert secret[:12] not in text, f"{secret[:8]}… found in {path.name}"


def test_summary_keeps_its_schema(pytester: pytest.Pytester, leaky_run: pytest.RunResult) -> None:
    assert leaky_run.ret == 1
    data = summary(pytester)
    assert set(data) == {
        "verdict",
        "phase",
        "run_id",
        "target",
        "started_at",
        "duration_s",
        "items",
        "left_behind",
    }
    assert isinstance(data["left_behind"], list)
    assert set(data["target"]) == {"name", "supabase_url", "site_url", "api_keys"}
    assert re.fullmatch(r"pm-[0-9a-f]{6}", data["run_id"])
    for entry in data["items"]:
        assert set(entry) == {"id", "title", "severity", "status", "duration_s", "reason", "tests"}
        for test in entry["tests"]:
            assert set(test) == {"nodeid", "outcome", "duration_s", "message"}
    login = next(i for i in data["items"] if i["id"] == "login")
    assert login["status"] == "failed"
    assert login["reason"].startswith("sign-in failed: [redacted]")
    migrations = next(i for i in data["items"] if i["id"] == "migrations")
    assert migrations["status"] == "blocked"
    assert migrations["reason"].startswith("blocked by: database unreachable (")
    json.dumps(data)  # plain JSON all the way down


def test_html_report_has_banner_items_and_evidence(
    pytester: pytest.Pytester, leaky_run: pytest.RunResult
) -> None:
    html = (pytester.path / "reports" / "go-no-go.html").read_text()
    assert '<div id="pm-verdict"' in html and ">NO-GO</div>" in html
    assert '<table id="pm-items"' in html
    assert "<code>login</code><br>Login works" in html
    assert "response excerpt" in html and "playwright trace" in html
    assert 'download="trace.zip" href="data:application/zip;base64,' in html
    assert 'src="data:image/png;base64,' in html
    assert "run id <code>pm-" in html and "rerun: <code>pytest " in html and "--target=new" in html
    # Self-contained: no stylesheet or script fetched from elsewhere.
    assert not re.search(r'<(link|script)[^>]+(href|src)="(?!data:)', html)


def test_html_report_leads_with_the_verdict_and_what_did_not_pass(
    pytester: pytest.Pytester, leaky_run: pytest.RunResult
) -> None:
    html = (pytester.path / "reports" / "go-no-go.html").read_text()
    # In the written file: banner, items table, pytest-html's per-test table, environment.
    order = [
        html.index(marker)
        for marker in (
            '<div id="pm-verdict"',
            '<table id="pm-items"',
            '<div class="summary">',
            '<table id="results-table">',
            '<div id="environment-header">',
            '<table id="environment">',
        )
    ]
    assert order == sorted(order)
    assert html.count('<div id="pm-verdict"') == 1
    table = html[html.index('<table id="pm-items"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><td><code>([\w-]+)</code>.*?</tr>", table, re.S)
    data = summary(pytester)
    status = {entry["id"]: entry["status"] for entry in data["items"]}
    shown = [status[item_id] for item_id in rows]
    assert len(rows) == len(CHECKLIST)
    # Failed, then blocked, then not verified, then passed (this run has all four).
    assert shown == sorted(shown, key=list(STATUS_ORDER).index)
    # (sign-offs is not applicable in the default phase, post-cutover)
    assert set(shown) == {"failed", "blocked", "not_verified", "not_applicable", "passed"}
    assert rows[0] == "login"
    # The failure screenshot is shown in the failed item's row, not folded away.
    login_row = table[table.index("<tr><td><code>login</code>") :]
    login_row = login_row[: login_row.index("</tr>")]
    assert re.search(r'<figure[^>]*><img alt="screenshot" src="data:image/png;base64,', login_row)
    assert "sign-in failed: [redacted]" in login_row
    # summary.json keeps the checklist's order; the terminal lists items like the HTML table.
    assert [entry["id"] for entry in data["items"]] == [i.id for i in CHECKLIST]
    terminal = leaky_run.stdout.lines
    start = next(n for n, line in enumerate(terminal) if "post-migration checklist" in line)
    listed = [line.split()[0] for line in terminal[start + 1 : start + 1 + len(CHECKLIST)]]
    assert listed == rows


def test_every_status_has_a_place_in_the_reading_order() -> None:
    assert set(STATUS_ORDER) == set(get_args(Status))


def test_a_page_without_pytest_htmls_anchors_is_left_as_written() -> None:
    page = '<body><section id="pm-report" style="color:#1f2328">x</section><!-- /pm-report -->'
    assert put_verdict_first(page) == page
    assert put_verdict_first("<body>no banner</body>") == "<body>no banner</body>"


def test_junit_names_each_tests_item(
    pytester: pytest.Pytester, leaky_run: pytest.RunResult
) -> None:
    junit = (pytester.path / "reports" / "junit.xml").read_text()
    assert '<property name="checklist_item" value="login"' in junit
    # one per item but login and buckets, and the two tests of the leaky module
    assert junit.count("<testcase ") == len(ITEMS) - 2 + 2


@pytest.mark.parametrize("plugin", ["html", "junitxml"])
def test_the_gate_runs_with_a_report_plugin_switched_off(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase, plugin: str
) -> None:
    """``-p no:html`` or ``-p no:junitxml``: that file is not written, the verdict still is."""
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(test_suite=passing_suite())
    result = run(pytester, "--target=new", "-p", f"no:{plugin}")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert summary(pytester)["verdict"] == "GO"
    written = {p.name for p in (pytester.path / "reports").iterdir()}
    assert ("go-no-go.html" in written) is (plugin != "html"), written
    assert ("junit.xml" in written) is (plugin != "junitxml"), written
