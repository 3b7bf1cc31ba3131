"""The detection matrix, second shard (every other fault of the catalogue): the command CI runs,
`python -m selftests.matrix --shard 2/2`. Two files, so that CI's two workers share it; under
xdist both name one `--share` folder, and a shard done with its own faults takes the other's
not yet started (every fault still runs once)."""

from __future__ import annotations

import pytest

from selftests.matrix import run_command, share_options


def test_every_fault_of_the_second_shard_is_detected(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A clean run GO, each fault of the shard NO-GO with its item failed and named in its
    reason, a second clean run on the same old GO (the faults stayed independent)."""
    run_command("--shard", "2/2", *share_options(tmp_path_factory))
