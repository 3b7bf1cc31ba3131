"""Secrets the run learns while it runs (refresh tokens) are scrubbed like configured ones."""

from __future__ import annotations

from postmigration.redact import REDACTED, Redactor, learn_secret


def test_a_learned_refresh_token_is_scrubbed_by_every_redactor() -> None:
    made_before = Redactor(["configured-secret"])
    learn_secret("rt-4f9a1c2b7d")
    text = "refresh_token=rt-4f9a1c2b7d and configured-secret"
    assert made_before.scrub(text) == f"refresh_token={REDACTED} and {REDACTED}"
    assert Redactor().scrub(text) == f"refresh_token={REDACTED} and configured-secret"


def test_short_values_are_not_learned() -> None:
    learn_secret("abc")
    assert Redactor().scrub("abc def") == "abc def"
