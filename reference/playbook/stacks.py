"""Starting, restarting and stopping the two stand-in stacks of the playbook."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from reference.stack.postgres import free_port
from reference.stack.runner import StackDidNotStart, StackProcess
from reference.stack.settings import SITE_NAMES_FILE

from .errors import PlaybookError


def start_stack(
    step: str,
    state_dir: Path,
    port: int = 0,
    bare: bool = False,
    keys: str | None = None,
    latency_ms: int = 0,
) -> StackProcess:
    """A running stand-in for `state_dir` (with `keys`: its API key mode, remembered across
    restarts; `latency_ms`: the delay of its every answer); PlaybookError with its last words
    if it won't start."""
    extra = (("--bare",) if bare else ()) + ((f"--keys={keys}",) if keys else ())
    stack = StackProcess(state_dir, port=port, extra_args=extra, latency_ms=latency_ms)
    try:
        return stack.start()
    except StackDidNotStart as exc:
        stack.stop()
        raise PlaybookError(
            step, f"the stand-in in {state_dir.name}/ did not start: {exc}"
        ) from exc


def pick_port() -> int:
    """A free port for a stack whose URL must survive a restart."""
    return free_port()


def pin_database_port(state_dir: Path, db_url: str) -> str:
    """Choose the free port new's database will listen on after its restart; return its URL.

    `up` keeps the remembered port only when a plain bind() succeeds, and the old server's
    TIME_WAIT sockets make that fail for a minute after a stop: the port, and so
    SUPABASE_DB_URL, would move under the functions' secrets. Recording a port that is free
    now in the state dir's stack.json makes the URL known before the restart."""
    path = state_dir / "stack.json"
    ports = json.loads(path.read_text())
    ports["postgres"] = free_port()
    path.write_text(json.dumps(ports))
    parts = urlsplit(db_url)
    netloc = f"{parts.netloc.rpartition(':')[0]}:{ports['postgres']}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def restart_stack(step: str, stack: StackProcess, patience_s: float = 20.0) -> StackProcess:
    """Stop `stack` and start it again on the same port and latency (waiting out a port still
    in use)."""
    stack.stop()
    deadline = time.monotonic() + patience_s
    delay = 0.2
    while True:
        try:
            return start_stack(step, stack.state_dir, port=stack.port, latency_ms=stack.latency_ms)
        except PlaybookError as exc:
            if "is taken" not in exc.cause or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def add_site_name(state_dir: Path, name: str) -> None:
    """Add `name` to the domains the stack's site is served under (its site-names.json), as
    a team adds its custom domain to a hosting provider's deployment."""
    path = state_dir / SITE_NAMES_FILE
    names = json.loads(path.read_text()) if path.exists() else []
    if name not in names:
        path.write_text(json.dumps([*names, name]))
