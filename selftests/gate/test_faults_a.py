"""The playbook's fault catalogue, first half (every other fault of FAULTS): each fault is
NO-GO naming its item. Two files, so that CI's two workers share the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference.playbook.faults import known_faults
from selftests.gate.test_verdicts import FAULTS, check_fault


@pytest.mark.parametrize("fault", list(FAULTS)[0::2])
def test_fault_is_no_go_naming_the_item(fault: str, tmp_path: Path) -> None:
    """The playbook with `fault`: NO-GO, its item failed, the reason naming the damage."""
    check_fault(fault, tmp_path)


def test_the_catalogue_holds_every_fault_of_the_playbook() -> None:
    """Every fault the playbook knows (`--fault`) is in FAULTS, with the item it must fail."""
    known = {name.partition(":")[0] for name in known_faults()}
    caught = {name.partition(":")[0] for name in FAULTS}
    assert known == caught, f"faults no self-test runs: {sorted(known - caught)}"
