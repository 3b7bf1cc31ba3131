"""The detection matrix, third shard (every third fault of the catalogue, from the third):
the command CI runs, `python -m selftests.matrix --shard 3/3`. One file per CI worker (SHARDS in
selftests/matrix.py); under xdist every shard names one `--share` folder, and a shard done with
its own faults takes the others' not yet started (every fault still runs once)."""

from __future__ import annotations

import pytest

from selftests.matrix import run_shard


def test_every_fault_of_the_third_shard_is_detected(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Each fault of the shard NO-GO with its item failed and named in its reason, then a
    clean run on the same old GO (the faults it ran stayed independent)."""
    run_shard(3, tmp_path_factory)
