"""Work a run does once, however many xdist workers share it.

A module-scoped fixture runs once in each worker that runs one of its module's tests: under
``-n 2`` goal-invite's invite was sent twice, so its invitee got two emails and two WhatsApp
messages per run, and the run paid the round trips twice. Under xdist the first worker that
needs such a result makes it and writes it to the run's private folder (the controller's
handoff folder, removed at the end of the run); the others wait on its lock, then read it. A
run alone just makes it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

__all__ = ["once_per_run", "shared_folder"]

T = TypeVar("T")


def shared_folder(config: pytest.Config) -> Path | None:
    """The run's private folder its xdist workers share (None: not an xdist worker)."""
    from postmigration.plugin import state_of

    state = state_of(config)
    if state is None or state.handoff is None or not hasattr(config, "workerinput"):
        return None
    return state.handoff.parent


def once_per_run(
    folder: Path | None,
    name: str,
    make: Callable[[], T],
    to_wire: Callable[[T], dict[str, Any]],
    from_wire: Callable[[dict[str, Any]], T],
) -> T:
    """`make()`'s result, made once per run: with a shared `folder`, by the first worker to
    ask (the others wait on its lock and read what it wrote); without one, here. When `make`
    raises (a skip, a failure), nothing is written: the next worker to ask makes it again."""
    if folder is None:
        return make()
    path = folder / f"{name}.json"
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if path.exists():
            return from_wire(json.loads(path.read_text()))
        value = make()
        part = path.with_suffix(".part")
        part.write_text(json.dumps(to_wire(value)))
        os.replace(part, path)
        return value
    finally:
        os.close(fd)  # closing the descriptor drops its lock
