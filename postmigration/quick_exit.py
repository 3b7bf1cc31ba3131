"""A gate process ends without collecting the garbage of everything it loaded.

At exit, CPython clears every module and runs its cyclic garbage collector over what is
left: with Playwright, supabase-py and pytest loaded that takes 0.2-0.4 s of CPU per process,
and under xdist the controller waits for each worker's exit, then ends the same way itself.
Freezing the heap as the last exit handler leaves the collector nothing to walk. Objects are
still freed by reference counting; the reports are written and closed before then.

pytest walks the same heap once more as the run is unconfigured (its unraisable-exception
plugin collects the garbage to report what a finalizer raised): 0.07-0.09 s per process, on
each worker's way out and then the controller's. The heap is frozen before that as well, so
that collection only walks what the end of the run made, and thawed after every plugin is
unconfigured (a run inside a longer-lived process, as the self-tests make, leaves its heap
as it found it). An object the run left in a cycle is then finalized only by a later
collection, or, in a gate process, never, as at exit.
"""

from __future__ import annotations

import atexit
import gc

import pytest

__all__ = ["skip_collection_at_exit"]

_registered = False


class _FrozenWhileUnconfigured:
    """Freezes the heap before any other plugin is unconfigured, and thaws it after all."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Freeze what the run loaded and made: the collections that follow skip it."""
        gc.freeze()


class _Thaw:
    """Thaws the heap after every other plugin is unconfigured."""

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Give the heap back to the collector (the exit handler freezes it again)."""
        gc.unfreeze()


def skip_collection_at_exit(config: pytest.Config) -> None:
    """Freeze the heap as the run is unconfigured and at exit (once per process), so that
    neither walks every object the run loaded."""
    global _registered
    if not config.pluginmanager.has_plugin("postmigration-freeze"):
        config.pluginmanager.register(_FrozenWhileUnconfigured(), "postmigration-freeze")
        config.pluginmanager.register(_Thaw(), "postmigration-thaw")
    if not _registered:
        atexit.register(gc.freeze)
        _registered = True
