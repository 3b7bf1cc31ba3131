"""The report of a real gate run leads with the verdict and what failed; the terminal shows
progress as items settle; a failing browser item shows its pages' network log. One gate run on new
with the avatars bucket made private."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from postmigration.report import STATUS_ORDER
from selftests.gate.conftest import ServingPlaybook, damaged, gate_on


def test_failed_items_lead_the_report_with_their_screenshot(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    with damaged(
        breakable,
        "new",
        ["update storage.buckets set public = false where id = 'avatars'"],
        ["update storage.buckets set public = true where id = 'avatars'"],
    ):
        run = gate_on(
            breakable,
            tmp_path / "reports",
            "tests/preflight/test_buckets.py",
            "tests/e2e/test_upload.py",
        )
    assert run.statuses()["upload"] == "failed", run.digest()
    assert run.statuses()["buckets"] == "failed", run.digest()

    html = (run.report_dir / "go-no-go.html").read_text()
    markers = ('<div id="pm-verdict"', '<table id="pm-items"', '<table id="results-table">')
    positions = [html.index(marker) for marker in (*markers, '<table id="environment">')]
    assert positions == sorted(positions)
    table = html[html.index('<table id="pm-items"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr><td><code>([\w-]+)</code>(.*?)</tr>", table, re.S)
    shown = [run.statuses()[item_id] for item_id, _ in rows]
    assert shown == sorted(shown, key=list(STATUS_ORDER).index)
    assert {item_id for item_id, _ in rows[:2]} == {"upload", "buckets"}
    upload = dict(rows)["upload"]
    assert escape('bucket "avatars" is not public') in upload
    assert re.search(
        r'<figure[^>]*><img alt="screenshot \(\w+\)" src="data:image/png;base64,', upload
    )
    # The page's network log names the request the private bucket refused.
    network = re.search(r"<summary>network \(user\)</summary><pre>(.*?)</pre>", upload, re.S)
    assert network, "the upload's failure has no network log"
    assert re.search(
        r"^GET 4\d\d http://\S+/storage/v1/object/public/avatars/\S+$", network.group(1), re.M
    ), network.group(1)

    # -q: the four foundations at once, then one line per item of the files that ran.
    lines = [line for line in run.output.splitlines() if line.startswith("[gate] ")]
    assert [line.split()[2] for line in lines[:4]] == [
        "reachable",
        "auth",
        "database",
        "comparison",
    ]
    assert all(" ok" in line for line in lines[:4]), lines[:4]
    assert sorted(line.split()[1] for line in lines[4:]) == ["buckets", "upload"], lines
    assert all(re.search(r" failed +\d+\.\d\ds  \S", line) for line in lines[4:]), lines
