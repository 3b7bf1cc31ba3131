"""Errors the stand-in reports to its operator in one line."""

from __future__ import annotations


class StackError(Exception):
    """The stand-in cannot start or run; the message says what to install or change."""
