"""Nightly history: each run appends its outcome per item to ``<report-dir>/history/``.

The HTML report shows each item's last outcomes (same target and phase) and marks an item whose
outcome alternated in that window as flaky: a check that passes one night and fails the next
is telling the team something even when tonight's run passed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["WINDOW", "append_run", "is_flaky", "recent_outcomes"]

WINDOW = 14


def append_run(history_dir: Path, summary: dict[str, Any]) -> Path:
    """Write this run's verdict and item statuses as one JSON file in ``history_dir``."""
    history_dir.mkdir(parents=True, exist_ok=True)
    entry = {
        "started_at": summary["started_at"],
        "run_id": summary["run_id"],
        "phase": summary.get("phase"),
        "target": summary["target"]["name"],
        "verdict": summary["verdict"],
        "items": {item["id"]: item["status"] for item in summary["items"]},
    }
    stamp = str(summary["started_at"]).replace(":", "").replace("+0000", "Z")
    path = history_dir / f"{stamp}-{summary['run_id']}.json"
    path.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    return path


def recent_outcomes(
    history_dir: Path, target: str, phase: str | None, window: int = WINDOW
) -> dict[str, list[str]]:
    """item id -> its statuses in the last ``window`` runs of ``target`` in ``phase``, oldest
    first. A file that cannot be read is left out (history is a view, never a verdict)."""
    runs: list[dict[str, Any]] = []
    for path in history_dir.glob("*.json") if history_dir.is_dir() else ():
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            isinstance(entry, dict)
            and entry.get("target") == target
            and entry.get("phase") == phase
        ):
            runs.append(entry)
    runs.sort(key=lambda e: (str(e.get("started_at", "")), str(e.get("run_id", ""))))
    outcomes: dict[str, list[str]] = {}
    for entry in runs[-window:]:
        for item_id, status in dict(entry.get("items", {})).items():
            outcomes.setdefault(str(item_id), []).append(str(status))
    return outcomes


def is_flaky(outcomes: list[str]) -> bool:
    """True when the item went from passed to not passed and back (or the reverse) at least
    twice in the window; "not applicable" runs are left out. One change is a regression or a
    fix, not flakiness."""
    passing = [o == "passed" for o in outcomes if o != "not_applicable"]
    changes = sum(1 for a, b in zip(passing, passing[1:], strict=False) if a != b)
    return changes >= 2
