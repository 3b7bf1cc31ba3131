"""The detection matrix's third shard, `python -m selftests.matrix --shard 3/3` (why one file per
shard: test_matrix_shard_1.py)."""

from __future__ import annotations

import pytest

from selftests.matrix import run_shard


def test_every_fault_of_the_third_shard_is_detected(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Each fault of the shard NO-GO with its item failed and named in its reason, then a
    clean run on the same old GO (the faults it ran stayed independent)."""
    run_shard(3, tmp_path_factory)
