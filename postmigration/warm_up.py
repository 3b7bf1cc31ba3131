"""An xdist worker's wait for its first test, put to use.

A worker sends its collection to the controller, then waits while the controller probes the
target, sweeps what earlier runs left and takes the baseline. Its first test that makes an
API client would then load supabase-py (a third of a second of CPU): that load is done in the
wait instead, once the collection is on its way. A run alone has no such wait (on a writable
target its own sweep of earlier runs has loaded supabase-py before the first test), so this is
for workers only.
"""

from __future__ import annotations

import importlib

import pytest

__all__ = ["WorkerWarmUp"]


class WorkerWarmUp:
    """On an xdist worker: load supabase-py after the collection is sent to the controller."""

    @pytest.hookimpl(trylast=True)  # after xdist's own hook, which sends the collection
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Load supabase-py while the controller is still preparing the run."""
        if session.items and not session.config.option.collectonly:
            importlib.import_module("supabase")
