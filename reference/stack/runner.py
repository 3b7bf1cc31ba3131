"""Start `python -m reference.stack up` as a child process and wait until it serves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from .postgres import Cluster, find_bindir

ROOT = Path(__file__).resolve().parents[2]


class StackDidNotStart(RuntimeError):
    """The stand-in exited or did not become ready in time; the message holds its last words."""


@dataclass
class StackProcess:
    """A running stand-in project: its URL, the config it wrote, and how to stop it."""

    state_dir: Path
    port: int = 0
    extra_args: tuple[str, ...] = ()
    timeout_s: float = 90.0
    latency_ms: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    config: dict[str, Any] = field(default_factory=dict, init=False)

    @property
    def url(self) -> str:
        """The gateway's base URL."""
        return str(self.config["targets"]["local"]["supabase_url"])

    @property
    def target(self) -> dict[str, Any]:
        """The `[targets.local]` table of the config the stand-in wrote."""
        return dict(self.config["targets"]["local"])

    @property
    def accounts(self) -> dict[str, dict[str, str]]:
        """The seeded accounts (admin, user, invitee) with their passwords."""
        return dict(self.config["accounts"])

    def start(self) -> StackProcess:
        """Launch and wait (bounded, backing off) for the config file and /auth/v1/health."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        config_file = self.state_dir / "postmigration.toml"
        config_file.unlink(missing_ok=True)
        log = (self.state_dir / "up.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reference.stack",
                "up",
                "--state",
                str(self.state_dir),
                "--port",
                str(self.port),
                *self.extra_args,
                *((f"--latency-ms={self.latency_ms}",) if self.latency_ms else ()),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        deadline = time.monotonic() + self.timeout_s
        delay = 0.05
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StackDidNotStart(self._last_words())
            if config_file.exists() and self._healthy(config_file):
                return self
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
        self.stop()
        raise StackDidNotStart(f"not ready after {self.timeout_s:.0f}s: {self._last_words()}")

    def _healthy(self, config_file: Path) -> bool:
        self.config = tomllib.loads(config_file.read_text())
        try:
            return httpx.get(f"{self.url}/auth/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def _last_words(self) -> str:
        path = self.state_dir / "up.log"
        lines = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
        return " | ".join(lines[-5:]) or "no output"

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM, then wait for the stand-in to stop its workers and database."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # Whatever way it ended, its database must not outlive it.
        if (self.state_dir / "pgdata" / "postmaster.pid").exists():
            Cluster(self.state_dir / "pgdata", 0, find_bindir()).stop_leftover()

    def __enter__(self) -> StackProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
