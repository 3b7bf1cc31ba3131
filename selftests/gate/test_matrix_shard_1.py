"""The detection matrix, first shard (every third fault of the catalogue, from the first):
the command CI runs, `python -m selftests.matrix --shard 1/3`. One file per CI worker (SHARDS in
selftests/matrix.py); under xdist every shard names one `--share` folder, and a shard done with
its own faults takes the others' not yet started (every fault still runs once)."""

from __future__ import annotations

import pytest

from reference.playbook.faults import known_faults
from selftests.gate.test_verdicts import FAULTS
from selftests.matrix import run_shard


def test_every_fault_of_the_first_shard_is_detected(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A clean run GO, each fault of the shard NO-GO with its item failed and named in its
    reason, a clean run again on the same old GO (the faults stayed independent)."""
    run_shard(1, tmp_path_factory)


def test_the_catalogue_holds_every_fault_of_the_playbook() -> None:
    """Every fault the playbook knows (`--fault`, each parameter of a family spelled out) is
    in FAULTS, with the item it must fail, and FAULTS names no fault the playbook lacks."""
    known, caught = set(known_faults()), set(FAULTS)
    assert known <= caught, f"faults no self-test runs: {sorted(known - caught)}"
    assert caught <= known, f"faults the playbook does not know: {sorted(caught - known)}"
