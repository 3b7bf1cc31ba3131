"""The weight the weight flow adds is one the user has not recorded (so no old row stands in)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from postmigration.measurements import CHOICES, LOWEST_HUNDREDTHS, numbers_in, unused_weight


def test_the_only_weight_left_is_the_one_chosen() -> None:
    """With every weight but 72.34 kg taken, 72.34 is chosen, every time."""
    taken = {Decimal(LOWEST_HUNDREDTHS + n) / 100 for n in range(CHOICES)} - {Decimal("72.34")}
    assert {unused_weight(taken) for _ in range(20)} == {Decimal("72.34")}


def test_no_weight_left_says_so() -> None:
    """Every weight taken: one line, not a loop or a repeat."""
    taken = {Decimal(LOWEST_HUNDREDTHS + n) / 100 for n in range(CHOICES)}
    with pytest.raises(ValueError, match="already recorded"):
        unused_weight(taken)


def test_numbers_are_read_from_every_column() -> None:
    """A row's numbers, as PostgREST returns numeric (number or string), to the hundredth;
    ids, dates, uuids and flags do not break it."""
    rows = [
        {"id": 3, "weight_kg": 72.5, "note": None, "ok": True},
        {"id": "9f0c1d2e-0000-4000-8000-000000000000", "weight_kg": "80.10", "at": "2026-01-01"},
        {"huge": "1e999", "nan": "NaN"},
    ]
    assert {Decimal("72.50"), Decimal("80.10"), Decimal("3.00")} <= numbers_in(rows)
