"""A check that cannot apply to this target says so: its item is "not applicable", not passed.

A test calls ``not_applicable(reason)``; the run reports the test and, when none of the item's
tests proved anything else, the item as ``not_applicable`` with that reason. It neither passes
nor holds the gate. Whether a check applies is decided from facts about the target (e.g.
``is_loopback``), never from a configuration flag a user could set on a real server.
"""

from __future__ import annotations

import ipaddress
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

__all__ = ["NotApplicable", "is_loopback", "not_applicable"]


class NotApplicable(pytest.skip.Exception):
    """Raised by ``not_applicable``: a skip the verdict reports as "not applicable"."""

    __module__ = "builtins"  # as pytest's own Skipped: "NotApplicable: why" in the terminal


def not_applicable(reason: str) -> NoReturn:
    """Stop the test: what it checks does not apply to this target, for ``reason``."""
    raise NotApplicable(reason, pytrace=False)


def is_loopback(url: str) -> bool:
    """True when ``url``'s host (http or postgresql alike) is this machine: ``localhost``,
    127.0.0.0/8 or ::1."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
