"""The playbook's fault catalogue, first half (every other fault of FAULTS): each fault is
NO-GO naming its item. Two files, so that CI's two workers share the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from selftests.gate.test_verdicts import FAULTS, check_fault


@pytest.mark.parametrize("fault", list(FAULTS)[0::2])
def test_fault_is_no_go_naming_the_item(fault: str, tmp_path: Path) -> None:
    """The playbook with `fault`: NO-GO, its item failed, the reason naming the damage."""
    check_fault(fault, tmp_path)
