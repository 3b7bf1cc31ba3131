"""Turning a list of findings into one failure a release manager can read."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

MAX_LISTED = 20


def fail_on(problems: Iterable[str], headline: str) -> None:
    """Fail the test with `headline` and each problem on its own line; do nothing when none.

    Never a bare assert: the message says what is broken in the user's words.
    """
    found = list(problems)
    if not found:
        return
    # The first line stands alone (it becomes the item's reason in the report); the list follows.
    first = f"{headline}: {found[0]}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
    if len(found) == 1:
        pytest.fail(first, pytrace=False)
    listed = "\n".join(f"- {p}" for p in found[:MAX_LISTED])
    more = f"\n- ... and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    pytest.fail(f"{first}\n{listed}{more}", pytrace=False)
