"""Launch the local stand-in for ``--target=local`` as a process and stop it afterwards.

``--target=local`` performs the team's whole playbook between two stand-in projects, old and
new (``python -m reference.playbook``: pg_dump, pg_restore, migrations, bucket sync, function
secrets, app), then the suite validates new with old as the comparison. The suite never imports
``reference``: it talks to both over HTTP and SQL like any other target. Ready means the
playbook wrote ``<state>/postmigration.toml`` and new's ``GET /auth/v1/health`` answers 200.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import tomllib
from pathlib import Path

import httpx

from postmigration.errors import StandInError
from postmigration.redact import excerpt
from postmigration.trust import http_client

__all__ = ["StandIn"]

_READY_TIMEOUT_S = 300.0
# Each bulk object adds to the playbook's time (written, copied by the sync, checked).
_READY_S_PER_OBJECT = 0.005
# The playbook's config names the two projects it migrated between.
OLD, NEW = "old", "new"
# What reference.playbook prints once both projects serve and the config is written.
DONE_LINE = b"playbook done"
_STOP_TIMEOUT_S = 30.0


class StandIn:
    """One stand-in process with its throwaway state directory."""

    def __init__(
        self,
        root: Path,
        *,
        rows: int = 100_000,
        objects: int = 0,
        fault: str | None = None,
        keys: tuple[str, str] = ("both", "both"),
        before_switch: bool = False,
    ) -> None:
        if not (root / "reference" / "stack").is_dir():
            raise StandInError(
                f"--target=local needs the stand-in in reference/stack under {root} "
                "(run from the project's checkout, or name a configured target)"
            )
        self.root = root
        self.state = Path(tempfile.mkdtemp(prefix="pm-local-"))
        self.config_path = self.state / "postmigration.toml"
        self.log_path = self.state / "stand-in.log"
        self.url: str | None = None
        self.rows = rows
        self.objects = objects
        self.fault = fault
        self.keys = keys  # old's and new's API key modes
        # The playbook stops short of the DNS switch (a pre-cutover run): its name stays on old.
        self.before_switch = before_switch
        self._process: subprocess.Popen[bytes] | None = None
        self._done = threading.Event()

    def start(self) -> StandIn:
        """Start the playbook and wait, bounded, for its "playbook done" line; then check it."""
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.root), env.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "reference.playbook", "--state", str(self.state)]
        command += ["--rows", str(self.rows), "--objects", str(self.objects)]
        command += [f"--old-keys={self.keys[0]}", f"--new-keys={self.keys[1]}"]
        if self.fault:
            command += ["--fault", self.fault]
        if self.before_switch:
            command.append("--before-switch")
        # A session of its own, so a stop can reach the stand-in's children if it dies.
        self._process = subprocess.Popen(
            command,
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        threading.Thread(target=self._copy_output, args=(self._process,), daemon=True).start()
        self._wait_ready()
        return self

    def _copy_output(self, process: subprocess.Popen[bytes]) -> None:
        """Copy the playbook's output to the log (for as long as it runs); note when it is done."""
        assert process.stdout is not None
        with self.log_path.open("wb") as log:
            for line in process.stdout:
                log.write(line)
                log.flush()
                if line.startswith(DONE_LINE):
                    self._done.set()
        self._done.set()  # it exited: _wait_ready says why

    def _last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return excerpt(lines[-1], 200) if lines else ""

    def _wait_ready(self) -> None:
        assert self._process is not None
        timeout_s = _READY_TIMEOUT_S + self.objects * _READY_S_PER_OBJECT
        if not self._done.wait(timeout_s):
            self.stop(keep_state=True)
            raise StandInError(
                f"the local stand-in was not ready after {timeout_s:.0f}s: "
                f"{self._last_log_line() or 'no output'} (log: {self.log_path})"
            )
        with http_client(timeout=10.0) as client:
            url = self._ready_url(client)
        if url is None:
            code = self._process.poll()
            ended = f"exited with code {code}" if code is not None else "is not serving"
            raise StandInError(
                f"the local stand-in {ended} before it was ready: "
                f"{self._last_log_line() or 'no output'} (log: {self.log_path})"
            )
        self.url = url

    def _ready_url(self, client: httpx.Client) -> str | None:
        if not self.config_path.is_file():
            return None
        try:
            targets = tomllib.loads(self.config_path.read_text()).get("targets", {})
        except (tomllib.TOMLDecodeError, OSError):
            return None  # still being written
        url = str(targets.get(NEW, {}).get("supabase_url", "")).rstrip("/")
        if not url or OLD not in targets:
            return None
        try:
            ok = client.get(f"{url}/auth/v1/health").status_code == 200
        except httpx.HTTPError:
            return None
        return url if ok else None

    def stop(self, keep_state: bool = False) -> None:
        """Stop the stand-in (SIGTERM, bounded wait, then SIGKILL) and remove its state."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=_STOP_TIMEOUT_S)
        if process is not None:
            # Whatever the stand-in left in its process group (postgres, deno) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if not keep_state:
            shutil.rmtree(self.state, ignore_errors=True)
