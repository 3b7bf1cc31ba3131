"""What can stop the playbook: one error type that names the step and the cause."""

from __future__ import annotations


class PlaybookError(Exception):
    """A step of the playbook failed; `str()` is the one line the operator reads."""

    def __init__(self, step: str, cause: str) -> None:
        super().__init__(f"step {step} failed: {cause}")
        self.step = step
        self.cause = cause


class UnknownFault(ValueError):
    """`--fault` named no fault of the registry; the message lists the known ones."""
