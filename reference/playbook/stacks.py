"""Starting the two stand-in stacks of the playbook."""

from __future__ import annotations

import json
from pathlib import Path

from reference.stack.gateway.rate_limit import RESEND_DEFAULT_LIMIT
from reference.stack.runner import StackDidNotStart, StackProcess
from reference.stack.settings import SITE_NAMES_FILE

from .errors import PlaybookError


def start_stack(
    step: str,
    state_dir: Path,
    bare: bool = False,
    keys: str | None = None,
    latency_ms: int = 0,
) -> StackProcess:
    """A running stand-in for `state_dir` (with `keys`: its API key mode, remembered across
    restarts; `latency_ms`: the delay of its every answer); PlaybookError with its last words
    if it won't start. Its email goes through Resend on the default plan: 2 requests per
    second, the app's sends and the suite's reads alike."""
    extra = (
        (("--bare",) if bare else ())
        + ((f"--keys={keys}",) if keys else ())
        + (f"--resend-rate-limit={RESEND_DEFAULT_LIMIT}",)
    )
    stack = StackProcess(state_dir, extra_args=extra, latency_ms=latency_ms)
    try:
        return stack.start()
    except StackDidNotStart as exc:
        stack.stop()
        raise PlaybookError(
            step, f"the stand-in in {state_dir.name}/ did not start: {exc}"
        ) from exc


def add_site_name(state_dir: Path, name: str) -> None:
    """Add `name` to the domains the stack's site is served under (its site-names.json), as
    a team adds its custom domain to a hosting provider's deployment."""
    path = state_dir / SITE_NAMES_FILE
    names = json.loads(path.read_text()) if path.exists() else []
    if name not in names:
        path.write_text(json.dumps([*names, name]))
