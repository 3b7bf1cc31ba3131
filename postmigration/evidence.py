"""Evidence a test attaches to its checklist item: response excerpts, screenshots, traces.

Everything is scrubbed of secrets when it is attached, before it reaches any report.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from postmigration.redact import Redactor

__all__ = ["Evidence", "to_html_extras"]

_EMBED_LIMIT = 25 * 1024 * 1024  # beyond this a file is written next to the report, not embedded


class _ResponseLike(Protocol):
    status_code: int
    text: str

    @property
    def url(self) -> Any: ...


class Evidence:
    """What the current test shows the reader of the report.

    ``text(name, content)`` adds an excerpt, ``response(resp)`` a response excerpt,
    ``image(name, png_bytes)`` a screenshot and ``file(name, path)`` a file such as a
    Playwright trace. ``failed`` tells a teardown whether the test failed, so screenshots
    and traces can be kept only then.
    """

    def __init__(
        self,
        redactor: Redactor,
        overflow_dir: Path,
        failed: Callable[[], bool],
    ) -> None:
        self._redactor = redactor
        self._overflow_dir = overflow_dir
        self._failed = failed
        self._entries: list[dict[str, Any]] = []

    @property
    def failed(self) -> bool:
        """True once the test's setup or call has failed."""
        return self._failed()

    def text(self, name: str, content: str, *, limit: int = 4000) -> None:
        """Attach a text excerpt (truncated to ``limit`` characters, secrets removed)."""
        # Scrub before cutting: a cut secret would no longer be recognised.
        clean = self._redactor.scrub(content)
        excerpt = clean if len(clean) <= limit else clean[:limit] + "\n… (truncated)"
        self._entries.append({"kind": "text", "name": name, "content": excerpt})

    def response(self, response: _ResponseLike, *, name: str | None = None) -> None:
        """Attach ``METHOD URL → status`` and the start of a response body."""
        request = getattr(response, "request", None)
        method = getattr(request, "method", "") if request is not None else ""
        line = f"{method} {response.url} → {response.status_code}".strip()
        self.text(name or line, f"{line}\n\n{response.text}", limit=2000)

    def image(self, name: str, data: bytes, *, mime: str = "image/png") -> None:
        """Attach an image, e.g. ``page.screenshot()``."""
        encoded = base64.b64encode(data).decode("ascii")
        self._entries.append({"kind": "image", "name": name, "content": encoded, "mime": mime})

    def file(self, name: str, path: str | Path, *, mime: str | None = None) -> None:
        """Attach a file (a Playwright trace zip, a log); text inside it is scrubbed."""
        source = Path(path)
        if not source.is_file():
            self.text(name, f"(no file at {source})")
            return
        mime = mime or mimetypes.guess_type(source.name)[0] or "application/octet-stream"
        with tempfile.TemporaryDirectory() as tmp:
            clean = Path(tmp) / source.name
            if zipfile.is_zipfile(source):
                self._redactor.scrub_zip(source, clean)
            else:
                clean.write_bytes(self._redactor.scrub_bytes(source.read_bytes()))
            data = clean.read_bytes()
            if len(data) > _EMBED_LIMIT:
                self._overflow_dir.mkdir(parents=True, exist_ok=True)
                safe = re.sub(r"[^\w.-]", "_", f"{len(self._entries)}-{source.name}")
                kept = self._overflow_dir / safe
                kept.write_bytes(data)
                self._entries.append(
                    {"kind": "link", "name": name, "content": str(kept), "mime": mime}
                )
                return
        self._entries.append(
            {
                "kind": "file",
                "name": name,
                "filename": source.name,
                "content": base64.b64encode(data).decode("ascii"),
                "mime": mime,
            }
        )

    def take(self) -> list[dict[str, Any]]:
        """Hand over what was attached since the last call (the plugin calls this per phase)."""
        entries, self._entries = self._entries, []
        return entries


def to_html_extras(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pytest-html extras for the per-test rows: text excerpts and images."""
    from pytest_html import extras

    result = []
    for entry in entries:
        if entry["kind"] == "text":
            result.append(extras.text(entry["content"], name=entry["name"]))
        elif entry["kind"] == "image":
            ext = entry["mime"].split("/")[-1]
            result.append(extras.image(entry["content"], entry["name"], entry["mime"], ext))
    return result
