"""Secrets the run learns while it runs (refresh tokens) are scrubbed like configured ones, and
the tokens and passwords of sign-ins it never saw (the browser's own, in a trace) by field."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

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


def test_a_browser_trace_s_unlearned_refresh_token_and_escaped_password_are_scrubbed(
    tmp_path: Path,
) -> None:
    """A Playwright trace of the app's own sign-in: the token endpoint's answer (a resource),
    the request body as the trace stores it (JSON inside JSON) and the typed password (JSON-
    escaped, with a quote in it). The refresh token was never learned by the run."""
    password = 'pa"ss\\word-9'
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as archive:
        archive.writestr(
            "resources/3f2a.json", '{"access_token":"x","refresh_token":"q7w8e9r0t1y2"}'
        )
        archive.writestr(
            "trace.network",
            '{"postData":"{\\"refresh_token\\":\\"u3i4o5p6a7s8\\"}"}\n'
            '{"postData":"grant_type=refresh_token&refresh_token=d9f0g1h2j3k4"}\n',
        )
        archive.writestr("trace.trace", json.dumps({"method": "fill", "value": password}))
    clean = tmp_path / "clean.zip"
    Redactor([password]).scrub_zip(trace, clean)
    with zipfile.ZipFile(clean) as archive:
        text = "\n".join(archive.read(name).decode() for name in archive.namelist())
    for secret in ("q7w8e9r0t1y2", "u3i4o5p6a7s8", "d9f0g1h2j3k4", json.dumps(password)[1:-1]):
        assert secret not in text, text
    assert text.count(REDACTED) == 4, text
