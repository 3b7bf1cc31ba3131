"""A weight the user has never recorded: the one the weight flow adds and then looks for.

Were it a weight the user already has, a history the app did not reload (or a report that
counted an older row) would show it anyway, and the flow would pass on a stale screen.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

# The weights the flow chooses from: 55.00 to 94.99 kg, a hundredth apart.
LOWEST_HUNDREDTHS, CHOICES = 5500, 4000
# The user's rows are read a page at a time (PostgREST's usual limit), up to ROWS_READ.
PAGE_ROWS, ROWS_READ = 1000, 20_000


def numbers_in(rows: Iterable[dict[str, Any]]) -> set[Decimal]:
    """Every number any column of `rows` holds, to the hundredth (whatever the weight
    column is called, its values are among them)."""
    found: set[Decimal] = set()
    for row in rows:
        for value in row.values():
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                continue
            try:
                number = Decimal(str(value))
                if number.is_finite():
                    found.add(number.quantize(Decimal("0.01")))
            except InvalidOperation:  # not a number, or too large to matter
                continue
    return found


def unused_weight(taken: set[Decimal]) -> Decimal:
    """A weight in kg (two decimals) chosen at random among those not in `taken`."""
    free = [n for n in range(CHOICES) if Decimal(LOWEST_HUNDREDTHS + n) / 100 not in taken]
    if not free:
        raise ValueError("every weight from 55.00 to 94.99 kg is already recorded")
    return Decimal(LOWEST_HUNDREDTHS + free[secrets.randbelow(len(free))]) / 100


def weight_not_recorded(client: Any, table: str) -> Decimal:
    """A weight the signed-in `client`'s user has no measurement of (their rows in `table`,
    as RLS shows them, up to ROWS_READ)."""
    taken: set[Decimal] = set()
    for start in range(0, ROWS_READ, PAGE_ROWS):
        page = client.table(table).select("*").range(start, start + PAGE_ROWS - 1).execute()
        rows = page.data or []
        taken |= numbers_in(rows)
        if len(rows) < PAGE_ROWS:
            break
    return unused_weight(taken)
