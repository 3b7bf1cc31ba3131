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
    listed = "\n".join(f"- {p}" for p in found[:MAX_LISTED])
    more = f"\n- ... and {len(found) - MAX_LISTED} more" if len(found) > MAX_LISTED else ""
    pytest.fail(f"{headline} ({len(found)}):\n{listed}{more}", pytrace=False)
