"""The go/no-go report: summary.json, the HTML banner and items table, the terminal lines."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from postmigration.config import Target
from postmigration.foundations import Foundation
from postmigration.history import is_flaky
from postmigration.verdict import ItemResult, Verdict

__all__ = [
    "LEFT_BEHIND_WORDS",
    "STATUS_ORDER",
    "RunInfo",
    "html_banner",
    "in_reading_order",
    "put_verdict_first",
    "put_verdict_first_in_file",
    "status_label",
    "summary_dict",
    "terminal_lines",
    "write_summary",
]

# The order in which the HTML items table and the terminal checklist list the items (what
# holds the gate first), with each status's colour in the HTML report. One line per status.
STATUS_ORDER: dict[str, str] = {
    "failed": "#cf222e",
    "blocked": "#9a6700",
    "not_verified": "#6e7781",
    "not_applicable": "#0969da",
    "passed": "#1a7f37",
}


def status_label(status: str) -> str:
    """A status in words, as the HTML report and the terminal show it ("not applicable")."""
    return status.replace("_", " ")


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
    phase: str = "post-cutover"
    # item id -> its outcomes in earlier runs, oldest first (see history.py)
    history: dict[str, list[str]] | None = None
    # what the run's cleanup could not remove from the target, one line each
    left_behind: tuple[str, ...] = ()


def summary_dict(verdict: Verdict, run: RunInfo) -> dict[str, Any]:
    """summary.json, in the schema CI and the self-tests rely on (keep it stable)."""
    return {
        "verdict": verdict.label,
        "phase": run.phase,
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
        "left_behind": list(run.left_behind),
    }


def write_summary(path: Path, verdict: Verdict, run: RunInfo) -> None:
    """Write summary.json."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary_dict(verdict, run), indent=2) + "\n", encoding="utf-8")


def in_reading_order(items: Iterable[ItemResult]) -> list[ItemResult]:
    """Items as a release manager reads them: by STATUS_ORDER, blockers before warnings within
    a status, and in checklist order otherwise (summary.json keeps the checklist order)."""
    rank = {status: place for place, status in enumerate(STATUS_ORDER)}
    return sorted(items, key=lambda result: (rank[result.status], result.severity != "blocker"))


def _evidence_html(item: ItemResult) -> str:
    parts: list[str] = []
    # The evidence of the tests that did not pass comes first: it shows why.
    for test in sorted(item.tests, key=lambda t: t.outcome == "passed"):
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
                # Shown, not folded: a failure screenshot is often the quickest "why".
                src = f"data:{entry['mime']};base64,{entry['content']}"
                pieces.append(
                    f'<figure style="margin:.3em 0"><img alt="{name}" src="{src}" '
                    'style="max-width:360px;max-height:240px;border:1px solid #ccc">'
                    f"<figcaption><small>{name}</small></figcaption></figure>"
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


# pytest-html renders the banner inside its own summary, below its environment table; the
# written file is rearranged (put_verdict_first) between these markers and two anchors of
# pytest-html's template. Without an anchor the page stays as written (banner in the summary).
_BLOCK_START = '<section id="pm-report" style="color:#1f2328">'
_BLOCK_END = "</section><!-- /pm-report -->"
_ENVIRONMENT_START = '<div id="environment-header">'
_ENVIRONMENT_END = '<table id="environment"></table>'
_PAGE_END = "<footer>"


def html_banner(verdict: Verdict, run: RunInfo) -> str:
    """The GO/NO-GO banner, the foundations, and the items table, for pytest-html's summary."""
    colour = "#1a7f37" if verdict.go else "#cf222e"
    target = run.target
    site = f" · site {escape(target.site_url)}" if target.site_url else ""
    foundations = (
        ", ".join(
            f"{escape(f.name)} {'ok' if f.ok else 'DOWN'}"
            + ("" if f.ok else f" ({escape(f.detail)})")
            + (f" (but {escape(f.problem)})" if f.problem else "")
            for f in run.foundations.values()
        )
        or "not probed"
    )
    rows = []
    for item in in_reading_order(verdict.items):
        status_colour = STATUS_ORDER[item.status]
        rows.append(
            "<tr>"
            f"<td><code>{escape(item.item.id)}</code><br>{escape(item.item.title)}"
            f"{_history_html((run.history or {}).get(item.item.id))}</td>"
            f"<td>{escape(item.severity)}</td>"
            f'<td style="color:{status_colour};font-weight:bold">'
            f"{escape(status_label(item.status))}</td>"
            f"<td>{item.duration_s:.2f}s</td>"
            f"<td>{escape(item.reason)}</td>"
            f"<td>{_evidence_html(item)}</td>"
            "</tr>"
        )
    return (
        f"{_BLOCK_START}"
        '<div id="pm-verdict" style="margin:1em 0;padding:1em;border-radius:6px;'
        f'background:{colour};color:white">'
        f'<div style="font-size:2.2em;font-weight:bold">{verdict.label}</div>'
        f"<div>{escape(verdict.reason)}</div></div>"
        '<p id="pm-run">'
        f'phase <b id="pm-phase">{escape(run.phase)}</b> · '
        f"target <b>{escape(target.name)}</b> ({escape(target.supabase_url)}){site} "
        f"from {escape(run.target_source)} · run id <code>{escape(run.run_id)}</code> · "
        f"started {escape(run.started_at)} · {run.duration_s:.1f}s<br>"
        f"foundations: {foundations}<br>"
        f"rerun: <code>{escape(run.rerun)}</code></p>"
        f"{_left_behind_html(run.left_behind)}"
        '<table id="pm-items" style="border-collapse:collapse;width:100%" border="1" '
        'cellpadding="4"><thead><tr><th>Item</th><th>Severity</th><th>Status</th>'
        "<th>Duration</th><th>Reason</th><th>Evidence</th></tr></thead>"
        f'<tbody style="vertical-align:top">{"".join(rows)}</tbody></table>'
        f"{_BLOCK_END}"
    )


LEFT_BEHIND_WORDS = "the gate's cleanup could not remove this from the target"


def _left_behind_html(lines: tuple[str, ...]) -> str:
    """What the cleanup left on the target, in red: the next run's data-parity would see it."""
    if not lines:
        return ""
    entries = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return (
        f'<div id="pm-left-behind" style="color:#cf222e"><b>{LEFT_BEHIND_WORDS}</b> '
        f"(until it is gone, the next run's parity checks see it as drift):<ul>{entries}</ul></div>"
    )


def _history_html(outcomes: list[str] | None) -> str:
    """An item's last outcomes as coloured marks (oldest first), "flaky" when they alternate."""
    if not outcomes:
        return ""
    marks = "".join(
        f'<span title="{escape(status_label(o))}" style="color:{STATUS_ORDER.get(o, "#6e7781")}">'
        "●</span>"
        for o in outcomes
    )
    flaky = ' <b class="pm-flaky" style="color:#cf222e">flaky</b>' if is_flaky(outcomes) else ""
    return f'<br><small class="pm-history">last {len(outcomes)}: {marks}{flaky}</small>'


def _span(html: str, start: str, end: str) -> tuple[int, int] | None:
    begin = html.find(start)
    stop = html.find(end, begin) if begin >= 0 else -1
    return None if stop < 0 else (begin, stop + len(end))


def put_verdict_first(html: str) -> str:
    """pytest-html's page with the banner, its reason and the items table first, in place of
    the environment table, which moves below the per-test table (the page's scripts find it
    by id wherever it is)."""
    block = _span(html, _BLOCK_START, _BLOCK_END)
    if block is None:
        return html
    banner = html[block[0] : block[1]]
    rest = html[: block[0]] + html[block[1] :]
    environment = _span(rest, _ENVIRONMENT_START, _ENVIRONMENT_END)
    footer = rest.find(_PAGE_END)
    if environment is None or footer < environment[1]:
        return html
    begin, stop = environment
    return rest[:begin] + banner + rest[stop:footer] + rest[begin:stop] + rest[footer:]


def put_verdict_first_in_file(path: Path) -> None:
    """Rewrite the HTML report at ``path`` (if there is one) with the verdict first."""
    if path.is_file():
        html = path.read_text(encoding="utf-8")
        path.write_text(put_verdict_first(html), encoding="utf-8")


def terminal_lines(verdict: Verdict) -> list[str]:
    """The checklist as the terminal shows it, one line per item."""
    lines = []
    for item in in_reading_order(verdict.items):
        status = status_label(item.status)
        lines.append(f"{item.item.id:<15} {item.severity:<8} {status:<14} {item.reason}")
    return lines
