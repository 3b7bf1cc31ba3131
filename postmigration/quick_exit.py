"""A gate process ends without collecting the garbage of everything it loaded.

At exit, CPython clears every module and runs its cyclic garbage collector over what is
left: with Playwright, supabase-py and pytest loaded that takes 0.2-0.4 s of CPU per process,
and under xdist the controller waits for each worker's exit, then ends the same way itself.
Freezing the heap as the last exit handler leaves the collector nothing to walk. Objects are
still freed by reference counting; the reports are written and closed before then.
"""

from __future__ import annotations

import atexit
import gc

__all__ = ["skip_collection_at_exit"]

_registered = False


def skip_collection_at_exit() -> None:
    """Freeze the heap at exit (once per process), so that the interpreter's shutdown does not
    walk every object the run loaded."""
    global _registered
    if not _registered:
        atexit.register(gc.freeze)
        _registered = True
