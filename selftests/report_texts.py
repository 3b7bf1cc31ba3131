"""Every text a reader could get out of a report file: the file itself, each base64 `data:`
link inside it (an attached trace or file), and each member of a zip among them."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from pathlib import Path

_DATA_LINK = re.compile(r"base64,([A-Za-z0-9+/=]+)")


def texts_in(path: Path) -> list[str]:
    """The texts of the report file at `path`, data: links and zips (a Playwright trace) opened."""
    return texts_of(path.read_bytes())


def texts_of(data: bytes) -> list[str]:
    """The texts of `data`: a zip's members, else the text and each data: link's content."""
    if data[:2] == b"PK" and zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [t for n in archive.namelist() for t in texts_of(archive.read(n))]
    text = data.decode("utf-8", "replace")
    texts = [text]
    for encoded in _DATA_LINK.findall(text):
        texts += texts_of(base64.b64decode(encoded))
    return texts
