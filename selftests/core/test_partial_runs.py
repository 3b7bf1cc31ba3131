"""A run that leaves tests out never says GO, and "not applicable" is never "passed".

- Every test of the suite must run for its item to pass: ``-k``, ``-m`` (beyond
  ``-m postmigration``), ``--deselect``, ``--ignore``, a narrower path, and a file that fails to
  import each leave the items they touch not verified ("2 of 3 tests ran"); a collection
  error is NO-GO naming the file. The same holds under xdist.
- ``not_applicable(reason)`` makes its item ``not_applicable`` in every report; it neither
  passes nor holds the gate. tls-dns is not applicable only on a loopback host: ``local = true``
  on a real http target does not grant it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postmigration.applicability import is_loopback
from postmigration.suite import written_tests
from selftests.core.conftest import (
    OUT_OF_DEFAULT_PHASE,
    FakeSupabase,
    item,
    passing_suite,
    run,
    summary,
    write_config,
)

ROOT = Path(__file__).resolve().parents[2]

# "upload" as the real suite has it: two browser tests in one file, one API test in another.
UPLOAD_E2E = """
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.item("upload")]

def test_avatar_upload(target):
    pass

def test_thumbnail_upload(target):
    pass
"""
UPLOAD_API = """
import pytest

pytestmark = pytest.mark.item("upload")

@pytest.mark.parametrize("bucket", ["chat-images", "private"])
def test_private_images_stay_private(target, bucket):
    pass
"""


@pytest.fixture
def suite(pytester: pytest.Pytester, fake_supabase: FakeSupabase) -> pytest.Pytester:
    """A passing suite where upload has 4 tests over two files (one parametrized)."""
    write_config(pytester, fake_supabase.url)
    pytester.makeini("[pytest]\ntestpaths = tests\n")
    tests = pytester.mkdir("tests")
    (tests / "test_suite.py").write_text(passing_suite(except_items=("upload",)))
    (tests / "test_upload.py").write_text(UPLOAD_E2E)
    (tests / "test_private_images.py").write_text(UPLOAD_API)
    return pytester


def _upload_left_out(pytester: pytest.Pytester, *args: str, ran: int) -> dict[str, object]:
    result = run(pytester, "--target=new", *args)
    assert result.ret == 1, result.stdout.str()
    data = summary(pytester)
    assert data["verdict"] == "NO-GO"
    upload = item(data, "upload")
    assert (upload["status"], upload["reason"]) == ("not_verified", f"{ran} of 4 tests ran")
    return data


def test_the_whole_suite_is_go(suite: pytest.Pytester) -> None:
    result = run(suite, "--target=new", "-m", "postmigration")
    assert result.ret == 0, result.stdout.str()
    upload = item(summary(suite), "upload")
    assert (upload["status"], upload["reason"]) == ("passed", "4 tests passed")


@pytest.mark.parametrize(
    ("args", "ran"),
    [
        (("-k", "not avatar"), 3),
        (("-m", "postmigration and not e2e"), 2),
        (
            (
                "--deselect",
                "tests/test_private_images.py::test_private_images_stay_private[private]",
            ),
            3,
        ),
        (("--ignore=tests/test_upload.py",), 2),
        (("--ignore=tests/test_private_images.py",), 2),
        (("tests/test_upload.py", "tests/test_suite.py"), 2),
        (("tests/test_upload.py::test_avatar_upload", "tests/test_suite.py"), 1),
    ],
    ids=["-k", "-m", "--deselect", "--ignore-e2e", "--ignore-parametrized", "path", "nodeid"],
)
def test_a_run_that_leaves_tests_out_is_not_verified(
    suite: pytest.Pytester, args: tuple[str, ...], ran: int
) -> None:
    _upload_left_out(suite, *args, ran=ran)


def test_an_item_whose_tests_all_stayed_out_names_them(suite: pytest.Pytester) -> None:
    data = _upload_left_out(suite, "tests/test_upload.py", ran=2)
    login = item(data, "login")
    assert (login["status"], login["reason"]) == ("not_verified", "its test did not run")


def test_a_file_that_fails_to_import_is_no_go_naming_it(suite: pytest.Pytester) -> None:
    (suite.path / "tests" / "test_upload.py").write_text(
        UPLOAD_E2E.replace("import pytest", "import pytest\nimport no_such_module")
    )
    result = run(suite, "--target=new", "--continue-on-collection-errors")
    assert result.ret == 1
    data = summary(suite)
    assert data["verdict"] == "NO-GO"
    upload = item(data, "upload")
    assert (upload["status"], upload["reason"]) == ("not_verified", "2 of 4 tests ran")
    result.stdout.fnmatch_lines(["*NO-GO: 1 test file failed to collect (tests/test_upload.py)*"])


def test_under_xdist_the_controller_decides_the_same(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # This checkout's package, not whichever one the venv's editable install points at.
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    result = suite.runpytest_subprocess("--target=new", "-n", "2", "-k", "not avatar")
    assert result.ret == 1, result.stdout.str()
    upload = item(summary(suite), "upload")
    assert (upload["status"], upload["reason"]) == ("not_verified", "3 of 4 tests ran")
    others = [
        i["status"]
        for i in summary(suite)["items"]
        if i["id"] not in ("upload", *OUT_OF_DEFAULT_PHASE)
    ]
    assert set(others) == {"passed"}


NOT_APPLICABLE_TLS = """
import pytest
from postmigration.applicability import not_applicable

@pytest.mark.item("tls-dns")
def test_tls(target):
    not_applicable("http://127.0.0.1 is this machine: no TLS to check")
"""


def test_not_applicable_is_its_own_status_in_every_report(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(
        test_suite=passing_suite(except_items=("tls-dns",)), test_tls=NOT_APPLICABLE_TLS
    )
    result = run(pytester, "--target=new")
    assert result.ret == 0, result.stdout.str()
    data = summary(pytester)
    assert data["verdict"] == "GO"
    tls = item(data, "tls-dns")
    assert tls["status"] == "not_applicable"
    assert tls["reason"] == "http://127.0.0.1 is this machine: no TLS to check"
    assert tls["tests"][0]["outcome"] == "not_applicable"
    result.stdout.fnmatch_lines(
        [
            "tls-dns*blocker*not applicable*http://127.0.0.1 is this machine*",
            f"*GO: every blocker item passed, except {1 + len(OUT_OF_DEFAULT_PHASE)} not "
            f"applicable (tls-dns, {', '.join(OUT_OF_DEFAULT_PHASE)})*",
        ]
    )
    html = (pytester.path / "reports" / "go-no-go.html").read_text()
    assert ">not applicable</td>" in html
    junit = (pytester.path / "reports" / "junit.xml").read_text()
    assert '<property name="not_applicable" value="http://127.0.0.1 is this machine' in junit


def test_not_applicable_does_not_hide_a_failure(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    write_config(pytester, fake_supabase.url)
    pytester.makepyfile(
        test_suite=passing_suite(except_items=("tls-dns", "buckets")),
        test_tls=NOT_APPLICABLE_TLS,
        test_buckets='import pytest\n\n@pytest.mark.item("buckets")\ndef test_b(target):\n'
        '    assert False, "bucket missing"\n',
    )
    result = run(pytester, "--target=new")
    assert result.ret == 1
    assert summary(pytester)["verdict"] == "NO-GO"
    result.stdout.fnmatch_lines(
        [
            f"*NO-GO: 1 blocker failed (buckets); {1 + len(OUT_OF_DEFAULT_PHASE)} not applicable "
            f"(tls-dns, {', '.join(OUT_OF_DEFAULT_PHASE)})*"
        ]
    )


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:54321", True),
        ("http://127.3.2.1", True),
        ("http://[::1]:8000", True),
        ("http://localhost:3000", True),
        ("http://LOCALHOST.", True),
        ("http://10.0.0.5", False),
        ("http://203.0.113.7", False),
        ("http://app.example.com", False),
        ("http://localhost.example.com", False),
        ("http://127.0.0.1.nip.io", False),
    ],
)
def test_only_this_machine_is_loopback(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def _tls_run(pytester: pytest.Pytester, url: str, *, local: bool) -> dict[str, object]:
    """The real tls-dns test against a target at ``url`` (nothing needs to answer there)."""
    config = write_config(pytester, url)
    if local:
        text = config.read_text().replace("[targets.new]\n", "[targets.new]\nlocal = true\n")
        config.write_text(text)
    pytester.makepyfile(test_tls_dns=(ROOT / "tests" / "smoke" / "test_tls_dns.py").read_text())
    run(pytester, "--target=new")
    return item(json.loads((pytester.path / "reports" / "summary.json").read_text()), "tls-dns")


def test_local_flag_on_a_real_http_target_fails_tls_dns(pytester: pytest.Pytester) -> None:
    """``local = true`` is a setting anyone can write: on a non-loopback host it grants
    nothing, and plain http fails naming it."""
    tls = _tls_run(pytester, "http://203.0.113.7", local=True)
    assert tls["status"] == "failed", tls
    assert "http://203.0.113.7 is served over plain http, not https" in str(tls["reason"])


def test_tls_dns_on_the_loopback_stand_in_is_not_applicable(
    pytester: pytest.Pytester, fake_supabase: FakeSupabase
) -> None:
    tls = _tls_run(pytester, fake_supabase.url, local=False)
    assert tls["status"] == "not_applicable", tls
    assert "is this machine (loopback) on plain http" in str(tls["reason"])


def test_written_tests_reads_markers_where_pytest_finds_them(tmp_path: Path) -> None:
    """Function marker over class marker over module ``pytestmark``; literal parametrize
    values counted; helpers and unmarked tests left out."""
    source = tmp_path / "test_mixed.py"
    source.write_text(
        """
import pytest

pytestmark = [pytest.mark.smoke, pytest.mark.item("login")]

def helper():
    pass

def test_module_level(target):
    pass

@pytest.mark.item("upload")
@pytest.mark.parametrize("role", ("user", "admin", "editor"))
def test_own_marker(target, role):
    pass

@pytest.mark.item("buckets")
class TestBuckets:
    pytestmark = pytest.mark.slow

    def test_listed(self):
        pass

    @pytest.mark.item("extensions")
    async def test_overridden(self):
        pass
"""
    )
    found = written_tests(source, "t/test_mixed.py", functions=["test"], classes=["Test"])
    assert found == {
        "t/test_mixed.py::test_module_level": ("login", 1),
        "t/test_mixed.py::test_own_marker": ("upload", 3),
        "t/test_mixed.py::TestBuckets::test_listed": ("buckets", 1),
        "t/test_mixed.py::TestBuckets::test_overridden": ("extensions", 1),
    }
