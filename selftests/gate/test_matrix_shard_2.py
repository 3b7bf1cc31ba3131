"""The detection matrix, second shard (every other fault of the catalogue): the command CI runs,
`python -m selftests.matrix --shard 2/2`. Two files, so that CI's two workers share it."""

from __future__ import annotations

from selftests.matrix import run_command


def test_every_fault_of_the_second_shard_is_detected() -> None:
    """A clean run GO, each fault of the shard NO-GO with its item failed and named in its
    reason, a second clean run on the same old GO (the faults stayed independent)."""
    run_command("--shard", "2/2")
