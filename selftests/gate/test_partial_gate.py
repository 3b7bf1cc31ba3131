"""A partial run of the real suite, against a real migration, is never GO.

Measured before the fix: with `-k "not avatar"` upload was "passed: 2 tests passed", and with
its browser file ignored "passed: 1 test passed". Now the item says how many of its tests ran,
and a file that fails to import is NO-GO naming it.
"""

from __future__ import annotations

from pathlib import Path

from selftests.gate.conftest import ServingPlaybook, gate_on

# upload's three tests: two browser flows and the anonymous read of a private image.
UPLOAD_FILES = ("tests/e2e/test_upload.py", "tests/smoke/test_private_images.py")


def test_deselected_tests_and_a_broken_file_are_no_go(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """`-k "not avatar"` leaves one of upload's three tests out, and a test file that cannot
    import is collected with `--continue-on-collection-errors`: upload is not verified,
    "2 of 3 tests ran", and the verdict names the broken file."""
    broken = tmp_path / "suite" / "test_broken_import.py"
    broken.parent.mkdir()
    broken.write_text(
        'import pytest\nimport no_such_module\n\n@pytest.mark.item("login")\n'
        "def test_login(target):\n    pass\n"
    )
    run = gate_on(
        breakable,
        tmp_path / "report",
        *UPLOAD_FILES,
        str(broken),
        "-k",
        "not avatar",
        "--continue-on-collection-errors",
    )
    assert (run.verdict, run.exit_code) == ("NO-GO", 1), run.digest()
    upload = run.item("upload")
    assert (upload["status"], upload["reason"]) == ("not_verified", "2 of 3 tests ran"), upload
    assert [t["outcome"] for t in upload["tests"]] == ["passed", "passed"], upload
    assert "1 test file failed to collect (" in run.output, run.output[-2000:]
    assert "test_broken_import.py)" in run.output, run.output[-2000:]


def test_an_ignored_file_is_no_go(breakable: ServingPlaybook, tmp_path: Path) -> None:
    """The whole suite asked for, `--ignore=tests/e2e/test_upload.py` (the other items' files
    ignored too, to keep the run short): upload's API test alone passes, and upload is not
    verified, "1 of 3 tests ran"."""
    others = "--ignore-glob=tests/*/test_[!pu]*.py"  # every file but test_private*, test_upload
    run = gate_on(breakable, tmp_path, "tests", others, "--ignore=tests/e2e/test_upload.py")
    assert (run.verdict, run.exit_code) == ("NO-GO", 1), run.digest()
    upload = run.item("upload")
    assert (upload["status"], upload["reason"]) == ("not_verified", "1 of 3 tests ran"), upload
    assert [t["outcome"] for t in upload["tests"]] == ["passed"], upload
