"""The go/no-go report: summary.json, the HTML banner and items table, the terminal lines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from postmigration.config import Target
from postmigration.foundations import Foundation
from postmigration.verdict import ItemResult, Verdict

__all__ = ["RunInfo", "html_banner", "summary_dict", "terminal_lines", "write_summary"]

_STATUS_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "blocked": "#9a6700",
    "not_verified": "#6e7781",
}


@dataclass(frozen=True)
class RunInfo:
    """What the report says about the run itself."""

    run_id: str
    target: Target
    target_source: str
    started_at: str
    duration_s: float
    rerun: str
    foundations: dict[str, Foundation]


def summary_dict(verdict: Verdict, run: RunInfo) -> dict[str, Any]:
    """summary.json, in the schema CI and the self-tests rely on (keep it stable)."""
    return {
        "verdict": verdict.label,
        "run_id": run.run_id,
        "target": {
            "name": run.target.name,
            "supabase_url": run.target.supabase_url,
            "site_url": run.target.site_url,
            "api_keys": run.target.key_kind,
        },
        "started_at": run.started_at,
        "duration_s": round(run.duration_s, 3),
        "items": [item.to_summary() for item in verdict.items],
    }


def write_summary(path: Path, verdict: Verdict, run: RunInfo) -> None:
    """Write summary.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary_dict(verdict, run), indent=2) + "\n", encoding="utf-8")


def _evidence_html(item: ItemResult) -> str:
    parts: list[str] = []
    for test in item.tests:
        if not test.evidence:
            continue
        pieces: list[str] = []
        for entry in test.evidence:
            name = escape(entry["name"])
            if entry["kind"] == "text":
                pieces.append(
                    f"<details><summary>{name}</summary><pre>{escape(entry['content'])}</pre>"
                    "</details>"
                )
            elif entry["kind"] == "image":
                src = f"data:{entry['mime']};base64,{entry['content']}"
                pieces.append(
                    f'<details><summary>{name}</summary><img alt="{name}" src="{src}" '
                    'style="max-width:480px;border:1px solid #ccc"></details>'
                )
            elif entry["kind"] == "file":
                href = f"data:{entry['mime']};base64,{entry['content']}"
                filename = escape(entry["filename"], quote=True)
                pieces.append(f'<div><a download="{filename}" href="{href}">{name}</a></div>')
            elif entry["kind"] == "link":
                pieces.append(
                    f'<div><a href="{escape(entry["content"], quote=True)}">{name}</a></div>'
                )
        nodeid = escape(test.nodeid.rsplit("::", 1)[-1])
        parts.append(f'<div class="pm-evidence"><small>{nodeid}</small>{"".join(pieces)}</div>')
    return "".join(parts)


def html_banner(verdict: Verdict, run: RunInfo) -> str:
    """The GO/NO-GO banner, the foundations, and the items table, for pytest-html's summary."""
    colour = "#1a7f37" if verdict.go else "#cf222e"
    target = run.target
    site = f" · site {escape(target.site_url)}" if target.site_url else ""
    foundations = (
        ", ".join(
            f"{escape(f.name)} {'ok' if f.ok else 'DOWN'}"
            + ("" if f.ok else f" ({escape(f.detail)})")
            for f in run.foundations.values()
        )
        or "not probed"
    )
    rows = []
    for item in verdict.items:
        status_colour = _STATUS_COLOURS[item.status]
        rows.append(
            "<tr>"
            f"<td><code>{escape(item.item.id)}</code><br>{escape(item.item.title)}</td>"
            f"<td>{escape(item.severity)}</td>"
            f'<td style="color:{status_colour};font-weight:bold">'
            f"{escape(item.status.replace('_', ' '))}</td>"
            f"<td>{item.duration_s:.2f}s</td>"
            f"<td>{escape(item.reason)}</td>"
            f"<td>{_evidence_html(item)}</td>"
            "</tr>"
        )
    return (
        '<div id="pm-verdict" style="margin:1em 0;padding:1em;border-radius:6px;'
        f'background:{colour};color:white">'
        f'<div style="font-size:2.2em;font-weight:bold">{verdict.label}</div>'
        f"<div>{escape(verdict.reason)}</div></div>"
        '<p id="pm-run">'
        f"target <b>{escape(target.name)}</b> ({escape(target.supabase_url)}){site} "
        f"from {escape(run.target_source)} · run id <code>{escape(run.run_id)}</code> · "
        f"started {escape(run.started_at)} · {run.duration_s:.1f}s<br>"
        f"foundations: {foundations}<br>"
        f"rerun: <code>{escape(run.rerun)}</code></p>"
        '<table id="pm-items" style="border-collapse:collapse;width:100%" border="1" '
        'cellpadding="4"><thead><tr><th>Item</th><th>Severity</th><th>Status</th>'
        "<th>Duration</th><th>Reason</th><th>Evidence</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def terminal_lines(verdict: Verdict) -> list[str]:
    """The checklist as the terminal shows it, one line per item."""
    lines = []
    for item in verdict.items:
        lines.append(f"{item.item.id:<15} {item.severity:<8} {item.status:<13} {item.reason}")
    return lines
