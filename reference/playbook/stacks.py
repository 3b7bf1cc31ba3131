"""Starting, restarting and stopping the two stand-in stacks of the playbook."""

from __future__ import annotations

import time
from pathlib import Path

from reference.stack.postgres import free_port
from reference.stack.runner import StackDidNotStart, StackProcess

from .errors import PlaybookError


def start_stack(step: str, state_dir: Path, port: int = 0, bare: bool = False) -> StackProcess:
    """A running stand-in for `state_dir`; PlaybookError with its last words if it won't start."""
    stack = StackProcess(state_dir, port=port, extra_args=("--bare",) if bare else ())
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


def restart_stack(step: str, stack: StackProcess, patience_s: float = 20.0) -> StackProcess:
    """Stop `stack` and start it again on the same port (waiting out a port still in use)."""
    stack.stop()
    deadline = time.monotonic() + patience_s
    delay = 0.2
    while True:
        try:
            return start_stack(step, stack.state_dir, port=stack.port)
        except PlaybookError as exc:
            if "is taken" not in exc.cause or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
