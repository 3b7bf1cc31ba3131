"""A far target: the playbook's stacks with `--latency-ms=40` answer every request (API and site,
same URLs) at least 40 ms late, and the gate still says GO on them."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from selftests.gate.conftest import assert_clean_go, gate_on, serving_playbook

LATENCY_MS = 40


def _took_s(url: str) -> float:
    started = time.perf_counter()
    httpx.get(url, timeout=10)
    return time.perf_counter() - started


def test_gate_is_go_on_a_target_40_ms_away(tmp_path: Path) -> None:
    """Both stacks hold each answer 40 ms (REST, auth, the site), and the whole gate is a clean
    GO across that distance."""
    extra = (f"--latency-ms={LATENCY_MS}",)
    with serving_playbook(tmp_path / "state", extra=extra) as playbook:
        for side in ("old", "new"):
            target = playbook.target(side)
            for url in (
                f"{target['supabase_url']}/auth/v1/health",
                f"{target['supabase_url']}/rest/v1/",
                f"{target['site_url']}/",
            ):
                assert _took_s(url) >= LATENCY_MS / 1000, f"{url} answered sooner than 40 ms"
        assert_clean_go(gate_on(playbook, tmp_path / "reports"))
