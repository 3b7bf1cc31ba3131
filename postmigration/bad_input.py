"""Bad input stops a run before it has a verdict: the report dir must not go on showing the
verdict of the run before (a GO, perhaps) as if it were this run's."""

from __future__ import annotations

import html
import json
from pathlib import Path

from postmigration.redact import Redactor

__all__ = ["void_previous_verdict"]


def void_previous_verdict(report_dir: Path, problem: str) -> None:
    """Write a NO-GO naming `problem` (the one line the user saw) as `report_dir`'s
    summary.json and go-no-go.html, and remove its junit.xml: what an earlier run left there
    is no longer read as the verdict. A report dir that cannot be written is left as it is
    (the exit code and the line still say NO-GO)."""
    line = Redactor().scrub(problem.strip().splitlines()[0] if problem.strip() else "bad input")
    summary = {"verdict": "NO-GO", "bad_input": line, "items": [], "left_behind": []}
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"/><title>GO/NO-GO</title></head>'
        f'<body><h1 id="pm-verdict">NO-GO</h1><p>nothing was checked: '
        f"{html.escape(line)}</p></body></html>\n"
    )
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        (report_dir / "go-no-go.html").write_text(page, encoding="utf-8")
        (report_dir / "junit.xml").unlink(missing_ok=True)
    except OSError:
        return
