"""once_per_run: under xdist the first worker to ask makes the result and the others read it;
a failed make writes nothing; a run alone makes it every time it asks."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from postmigration.once_per_run import once_per_run


def _wire(value: dict[str, Any]) -> dict[str, Any]:
    return dict(value)


def test_workers_racing_get_one_making(tmp_path: Path) -> None:
    made: list[int] = []
    results: list[dict[str, Any]] = []

    def make() -> dict[str, Any]:
        made.append(1)
        time.sleep(0.2)  # the others arrive while it is being made
        return {"invite_id": "i-1", "sent": 2}

    def worker() -> None:
        results.append(once_per_run(tmp_path, "invite", make, _wire, _wire))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1
    assert results == [{"invite_id": "i-1", "sent": 2}] * 4


def test_a_failed_make_writes_nothing_and_the_next_asker_makes_it(tmp_path: Path) -> None:
    def fails() -> dict[str, Any]:
        raise RuntimeError("the target refused")

    with pytest.raises(RuntimeError, match="the target refused"):
        once_per_run(tmp_path, "invite", fails, _wire, _wire)
    assert not (tmp_path / "invite.json").exists()
    assert once_per_run(tmp_path, "invite", lambda: {"ok": True}, _wire, _wire) == {"ok": True}


def test_a_run_alone_makes_it_each_time() -> None:
    made: list[int] = []

    def make() -> dict[str, Any]:
        made.append(1)
        return {}

    once_per_run(None, "invite", make, _wire, _wire)
    once_per_run(None, "invite", make, _wire, _wire)
    assert len(made) == 2
