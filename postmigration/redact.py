"""Scrub secrets (keys, passwords, JWTs, passwords inside database URLs, the tokens and
passwords of sign-in requests and answers) from text and files."""

from __future__ import annotations

import json
import re
import urllib.parse
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "HIDDEN",
    "REDACTED",
    "Redactor",
    "excerpt",
    "hide_token_like",
    "learn_secret",
    "looks_like_token",
]

REDACTED = "[redacted]"
HIDDEN = "[hidden]"

# A JWT: base64url header and payload (both JSON, so both start with "eyJ") and a signature.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# A current secret API key (sb_secret_…), configured or not: seen in a response, it is scrubbed.
_SECRET_KEY = re.compile(r"sb_secret_[A-Za-z0-9_-]{6,}")
# The password part of postgres://user:password@host URLs, configured or not.
_DB_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]+:)([^@\s]+)(@)")
# The password of any other URL's user info (https://user:password@host), configured or not.
# The match starts at "://" after a scheme's last character, not at the scheme: a pattern that
# starts with the scheme is tried from every letter of a long run (a report's base64 images)
# and cost about 1 s per megabyte of report; this one 40 times less, and scrubs the same
# passwords (and any after a scheme-like word that starts with a digit).
_URL_PASSWORD = re.compile(r"(?<=[a-z0-9+.-])(://[^:/@\s]+:)([^@\s/]+)(@)", re.IGNORECASE)
# A value that looks like a key or a token: long, letters and digits together, no spaces.
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_~+=-]{16,}")
# Where an excerpt may end: a secret never spans one of these.
_BOUNDARY = re.compile(r"""[\s"'<>,;(){}\[\]]""")
# The values of the fields a sign-in request or answer carries in JSON (also JSON inside JSON, as
# a Playwright trace stores a body: quotes escaped) or in a form: the browser's own sign-ins and
# token refreshes (in traces) give refresh tokens the run never learned, and those are not
# JWT-shaped.
_SESSION_FIELDS = "refresh_token|provider_token|provider_refresh_token|password"
_SESSION_JSON = re.compile(rf'(\\?"(?:{_SESSION_FIELDS})\\?"\s*:\s*\\?")([^"\\]+)')
_SESSION_FORM = re.compile(rf"\b((?:{_SESSION_FIELDS})=)([^&\s\"']+)")
# Shorter values would scrub ordinary words; nobody uses a 5-character key.
_MIN_SECRET_LENGTH = 6
_TEXT_SUFFIXES = {".html", ".json", ".xml", ".txt", ".log", ".md", ".csv", ".trace", ".network"}


# Secrets the run obtains while it runs (refresh tokens of the sessions it signs in): not
# JWT-shaped, so only known values can be scrubbed. Every redactor of the process removes them.
_LEARNED: set[str] = set()


def learn_secret(value: str | None) -> None:
    """Treat `value` (e.g. a refresh token the run obtained) as a secret from now on."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        _LEARNED.add(value)


def looks_like_token(value: str) -> bool:
    """Whether `value` looks like a key or a token: 16 or more letters, digits and ``_-~+=``,
    with both a letter and a digit (an invite token, an API key; not a word, not a path)."""
    return (
        _TOKEN_LIKE.fullmatch(value) is not None
        and any(c.isdigit() for c in value)
        and any(c.isalpha() for c in value)
    )


def hide_token_like(text: str) -> str:
    """`text` (what the target's own code said: a cron job's error, a function's) with every
    value that :func:`looks_like_token` replaced by ``[hidden]``: such code may echo a key of
    its own (a provider's) that the run does not know, so no redactor would remove it."""
    return _TOKEN_LIKE.sub(lambda m: HIDDEN if looks_like_token(m.group()) else m.group(), text)


def excerpt(text: str, limit: int) -> str:
    """The start of `text` (an answer's body, an error) for a message: scrubbed of what every
    redactor removes (learned secrets, JWTs, secret keys, session fields, URL passwords), then
    cut to at most `limit` characters, never inside a word: a configured secret cut in half
    would no longer be recognised by the report's scrub, so the cut word is dropped whole."""
    text = Redactor().scrub(text or "")
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if not _BOUNDARY.match(text[limit]):
        ends = [m.end() for m in _BOUNDARY.finditer(cut)]
        cut = cut[: ends[-1]] if ends else ""
    return cut.rstrip() + "…"


class Redactor:
    """Replaces every known secret (as written, URL-quoted or JSON-escaped), anything that
    looks like a JWT or a secret API key (``sb_secret_…``), and the value of every
    ``refresh_token``, ``provider_token``, ``provider_refresh_token`` and ``password`` field
    (JSON or form), with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        values: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET_LENGTH:
                values.add(secret)
                values.add(json.dumps(secret)[1:-1])  # as a JSON string writes it
                values.add(urllib.parse.quote(secret, safe=""))
                values.add(urllib.parse.quote_plus(secret))
        # Longest first, so a secret containing another is removed whole.
        self._secrets = sorted(values, key=len, reverse=True)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The literal values this redactor removes (for tests that scan reports for them)."""
        return tuple(self._secrets)

    def scrub(self, text: str) -> str:
        """Return ``text`` without any configured secret, JWT, secret key or database password."""
        if not text:
            return text
        for secret in (*self._secrets, *sorted(_LEARNED, key=len, reverse=True)):
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _JWT.sub(REDACTED, text)
        text = _SECRET_KEY.sub(REDACTED, text)
        text = _SESSION_JSON.sub(rf"\1{REDACTED}", text)
        text = _SESSION_FORM.sub(rf"\1{REDACTED}", text)
        text = _DB_PASSWORD.sub(rf"\1{REDACTED}\3", text)
        return _URL_PASSWORD.sub(rf"\1{REDACTED}\3", text)

    def scrub_bytes(self, data: bytes) -> bytes:
        """Scrub bytes that decode as UTF-8; other binary content is returned unchanged."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return data
        scrubbed = self.scrub(text)
        return data if scrubbed == text else scrubbed.encode("utf-8")

    def scrub_zip(self, source: Path, destination: Path) -> None:
        """Copy a zip archive (a Playwright trace) with every text member scrubbed."""
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(destination, "w") as dst:
            for info in src.infolist():
                dst.writestr(info, self.scrub_bytes(src.read(info)), zipfile.ZIP_DEFLATED)

    def scrub_file(self, path: Path) -> bool:
        """Scrub a text report file in place; returns True when something was removed."""
        if path.suffix.lower() not in _TEXT_SUFFIXES:
            return False
        original = path.read_text(encoding="utf-8", errors="surrogateescape")
        scrubbed = self.scrub(original)
        if scrubbed == original:
            return False
        path.write_text(scrubbed, encoding="utf-8", errors="surrogateescape")
        return True
