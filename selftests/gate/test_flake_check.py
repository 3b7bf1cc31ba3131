"""No flakes: `python -m selftests.matrix --flake-check`, the clean gate 10 times in a row on
one clean migration, half serially and half under `-n 2`."""

from __future__ import annotations

from selftests.matrix import run_command


def test_the_clean_run_is_go_ten_times_in_a_row() -> None:
    """Every run GO with every item passed; a test whose outcome changed between runs is named."""
    run_command("--flake-check", "--runs", "10")
