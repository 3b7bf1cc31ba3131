"""Start `python -m reference.playbook` as a child process and wait until it serves old and new."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# What the playbook prints once both projects serve and its config is written.
DONE_LINE = b"playbook done in"


class PlaybookDidNotFinish(RuntimeError):
    """The playbook exited, or did not finish its steps in time; the message ends with its output."""


@dataclass
class PlaybookProcess:
    """A playbook run: its state dir, its output (also in `<state>.log`), its config, and stop()."""

    state_dir: Path
    args: tuple[str, ...] = ()
    env: Mapping[str, str] | None = None
    timeout_s: float = 240.0
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    config: dict[str, Any] = field(default_factory=dict, init=False)
    _done: threading.Event = field(default_factory=threading.Event, init=False)

    @property
    def log_path(self) -> Path:
        """Everything the playbook printed."""
        return self.state_dir.with_name(self.state_dir.name + ".log")

    def output(self) -> str:
        """The playbook's output so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> PlaybookProcess:
        """Launch it in a session of its own and wait, bounded, for its done line."""
        self.state_dir.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reference.playbook",
                "--state",
                str(self.state_dir),
                *self.args,
            ],
            cwd=ROOT,
            env=dict(self.env) if self.env is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        threading.Thread(target=self._copy_output, args=(self.process,), daemon=True).start()
        if not self._done.wait(self.timeout_s):
            self.stop()
            raise PlaybookDidNotFinish(
                f"not done after {self.timeout_s:.0f}s:\n{self.output()[-2000:]}"
            )
        if DONE_LINE.decode() not in self.output():
            code = self.process.wait()
            raise PlaybookDidNotFinish(
                f"exited {code} before it was done:\n{self.output()[-2000:]}"
            )
        self.config = tomllib.loads((self.state_dir / "postmigration.toml").read_text())
        return self

    def _copy_output(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        with self.log_path.open("wb") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if line.startswith(DONE_LINE):
                    self._done.set()
        self._done.set()  # it exited: start() says why

    def stop(self, timeout_s: float = 60.0) -> int:
        """SIGTERM and a bounded wait (then SIGKILL); whatever is left of its session goes too.
        Returns the playbook's exit code."""
        process = self.process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout_s)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.wait()
