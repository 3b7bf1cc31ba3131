"""``--opt VALUE`` and ``--opt=VALUE`` give the same run, or the space form stops in one line.

pytest chooses its rootdir (and with it testpaths, addopts and where relative paths point)
before the plugin's options exist, so a value naming an existing path outside the project
used to move the rootdir and collect every test under the current directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postmigration.checklist import CHECKLIST
from selftests.core.conftest import FakeSupabase, passing_suite, run, write_config

# Not part of the suite (testpaths = tests): collecting it means the rootdir moved.
STRAY_TEST = "def test_stray():\n    pass\n"


@pytest.fixture
def project(pytester: pytest.Pytester, fake_supabase: FakeSupabase) -> pytest.Pytester:
    """A project whose suite is tests/ (testpaths), with a stray test beside it."""
    pytester.makeini("[pytest]\ntestpaths = tests\naddopts = -p no:cacheprovider\n")
    write_config(pytester, fake_supabase.url)
    pytester.mkdir("tests")
    (pytester.path / "tests" / "test_suite.py").write_text(passing_suite())
    pytester.mkdir("other")
    (pytester.path / "other" / "test_stray.py").write_text(STRAY_TEST)
    (pytester.path / "backup.dump").write_bytes(b"PGDMP")
    return pytester


def _values(project: pytest.Pytester, where: Path) -> dict[str, str]:
    """An existing path for each path option, under ``where``."""
    config = where / "pm.toml"
    config.write_text((project.path / "postmigration.toml").read_text())
    dump = where / "backup.dump"
    dump.write_bytes(b"PGDMP")
    (where / "reports").mkdir(exist_ok=True)
    return {"--pm-config": str(config), "--report-dir": str(where / "reports"), "--dump": str(dump)}


def _run(project: pytest.Pytester, option: str, value: str, *, spaced: bool) -> pytest.RunResult:
    spelled = [option, value] if spaced else [f"{option}={value}"]
    return run(project, "--target=new", "-m", "postmigration", *spelled)


def _tests_in(report_dir: Path) -> list[str]:
    summary = json.loads((report_dir / "summary.json").read_text())
    return sorted(t["nodeid"] for i in summary["items"] for t in i["tests"])


@pytest.mark.parametrize("option", ["--pm-config", "--report-dir", "--dump"])
def test_inside_the_project_both_spellings_give_the_same_run(
    project: pytest.Pytester, option: str
) -> None:
    value = _values(project, project.path)[option]
    report_dir = Path(value) if option == "--report-dir" else project.path / "reports"
    runs = []
    for spaced in (True, False):
        result = _run(project, option, value, spaced=spaced)
        assert result.ret == 0, result.stdout.str()
        assert "test_stray" not in result.stdout.str()
        runs.append((_ran(result), _tests_in(report_dir)))
        (report_dir / "summary.json").unlink()
    assert runs[0] == runs[1]
    assert runs[0][0] == len(CHECKLIST)  # passing_suite writes one test per item


@pytest.mark.parametrize("option", ["--pm-config", "--report-dir", "--dump"])
def test_outside_the_project_the_space_form_stops_saying_how_to_write_it(
    project: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory, option: str
) -> None:
    value = _values(project, tmp_path_factory.mktemp("elsewhere"))[option]
    report_dir = Path(value) if option == "--report-dir" else project.path / "reports"
    spaced = _run(project, option, value, spaced=True)
    assert spaced.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in spaced.stderr.lines if line.strip()]
    assert len(errors) == 1, errors
    assert errors[0].startswith(
        f"ERROR: write {option}={value} (with '='): written with a space, pytest takes {value} "
        "for a test path before the gate's options are known and would run from "
    )
    assert errors[0].endswith(f" instead of {project.path}")
    assert spaced.stdout.str().strip() == ""  # nothing collected, nothing ran
    assert not (report_dir / "summary.json").exists()
    joined = _run(project, option, value, spaced=False)
    assert joined.ret == 0, joined.stdout.str()
    assert _ran(joined) == len(CHECKLIST)
    assert "test_stray" not in joined.stdout.str()
    assert (report_dir / "summary.json").is_file()


def _ran(result: pytest.RunResult) -> int:
    """Tests that ran to an end: passed, or skipped as not applicable in the default phase."""
    outcomes = result.parseoutcomes()
    return outcomes.get("passed", 0) + outcomes.get("skipped", 0)
