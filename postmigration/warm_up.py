"""Waits put to use: supabase-py (a third of a second of CPU to load) loaded while the process
would otherwise wait on the target.

A worker sends its collection to the controller, then waits while the controller probes the
target, sweeps what earlier runs left and takes the baseline. Its first test that makes an
API client would then load supabase-py: that load is done in the wait instead, once the
collection is on its way. The controller (or a run alone) needs supabase-py for its sweep of
earlier runs on a writable target, right after the probes: it loads it while the probes wait
for their answers.
"""

from __future__ import annotations

import importlib
import threading

import pytest

__all__ = ["WorkerWarmUp", "load_supabase_meanwhile"]


def load_supabase_meanwhile() -> None:
    """Start loading supabase-py in a thread of its own (joined at exit, never killed midway);
    a later import of it waits for this one to finish."""
    threading.Thread(
        target=importlib.import_module, args=("supabase",), name="pm-load-supabase"
    ).start()


class WorkerWarmUp:
    """On an xdist worker: load supabase-py after the collection is sent to the controller."""

    @pytest.hookimpl(trylast=True)  # after xdist's own hook, which sends the collection
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Load supabase-py while the controller is still preparing the run."""
        if session.items and not session.config.option.collectonly:
            importlib.import_module("supabase")
