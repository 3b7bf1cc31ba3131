"""Reading an upload's body as Storage does: multipart `file` part or raw bytes, to a temp file.

Multipart: the first file part is the object; the `cacheControl` field becomes
`max-age=<value>` (else `no-cache`), the part's content type (or a `contentType` field) the
mimetype, a `metadata` field the user metadata. Raw body: the `content-type` header (else
application/octet-stream), `cache-control` header (else no-cache), `x-metadata` (base64 JSON).
The size limit is the smaller of the bucket's `file_size_limit` and the global limit; a
`.emptyFolderPlaceholder` may hold no bytes at all.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from . import storage_errors as errors

EMPTY_FOLDER = ".emptyFolderPlaceholder"
_DRAIN_CAP = 256 * 1024 * 1024  # read (and drop) at most this much of a refused body


@dataclass
class Upload:
    """An upload's bytes (in a temp file) and what Storage records about them."""

    temp: Path
    size: int
    md5: str
    mimetype: str
    cache_control: str
    user_metadata: dict[str, Any] | None = None

    def discard(self) -> None:
        """Remove the temp file (the upload was refused or already placed)."""
        self.temp.unlink(missing_ok=True)


def check_mime(mimetype: str, allowed: list[str] | None) -> None:
    """Raise invalid_mime_type unless `mimetype` matches the bucket's list (`type/*` allowed)."""
    if not allowed:
        return
    requested = mimetype.split("/")
    if len(requested) < 2:
        raise errors.invalid_mime_type(mimetype)
    kind, sub = requested[0], requested[1]
    for entry in allowed:
        allowed_kind, _, allowed_sub = entry.partition("/")
        if allowed_kind == kind and allowed_sub in ("*", sub):
            return
    raise errors.invalid_mime_type(mimetype)


def size_limit(bucket_limit: int | None, global_limit: int, name: str) -> int:
    """The most bytes this object may hold."""
    if name.endswith(EMPTY_FOLDER):
        return 0
    if bucket_limit is not None:
        return min(int(bucket_limit), global_limit)
    return global_limit


@dataclass
class _Sink:
    """Writes one file's bytes to a temp file, counting and hashing, refusing past `limit`."""

    path: Path
    limit: int
    size: int = 0
    digest: Any = field(default_factory=hashlib.md5)
    handle: Any = None
    too_large: bool = False

    def open(self) -> None:
        self.handle = self.path.open("wb")

    def write(self, data: bytes) -> None:
        if self.too_large:
            return
        self.size += len(data)
        if self.size > self.limit:
            self.too_large = True
            return
        self.digest.update(data)
        self.handle.write(data)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


async def _drain(request: Request, already: int) -> None:
    """Read the rest of a refused body so the client gets our answer, not a reset."""
    seen = already
    with contextlib.suppress(Exception):
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > _DRAIN_CAP:
                break


def _user_metadata_from_header(value: str | None) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        parsed = json.loads(base64.b64decode(value).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


async def read_upload(
    request: Request, temp: Path, limit: int, allowed_mime: list[str] | None, name: str
) -> Upload:
    """Stream the request body to `temp`, enforcing the size limit and the bucket's mime types."""
    content_type = request.headers.get("content-type", "")
    check_types = allowed_mime if not name.endswith(EMPTY_FOLDER) else None
    try:
        if content_type.lower().startswith("multipart/form-data"):
            return await _read_multipart(request, temp, limit, check_types, content_type)
        return await _read_raw(request, temp, limit, check_types, content_type)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


async def _read_raw(
    request: Request, temp: Path, limit: int, allowed: list[str] | None, content_type: str
) -> Upload:
    mimetype = content_type or "application/octet-stream"
    check_mime(mimetype, allowed)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        await _drain(request, 0)
        raise errors.entity_too_large()
    sink = _Sink(temp, limit)
    sink.open()
    try:
        async for chunk in request.stream():
            sink.write(chunk)
            if sink.too_large:
                break
    finally:
        sink.close()
    if sink.too_large:
        await _drain(request, sink.size)
        raise errors.entity_too_large()
    return Upload(
        temp=temp,
        size=sink.size,
        md5=sink.digest.hexdigest(),
        mimetype=mimetype,
        cache_control=request.headers.get("cache-control") or "no-cache",
        user_metadata=_user_metadata_from_header(request.headers.get("x-metadata")),
    )


class _MultipartState:
    """Callbacks for python-multipart: fields kept in memory, the first file streamed out."""

    def __init__(self, sink: _Sink, allowed: list[str] | None) -> None:
        self.sink = sink
        self.allowed = allowed
        self.fields: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self._field = b""
        self._value = b""
        self._name = ""
        self._is_file = False
        self._buffer = bytearray()
        self.file_seen = False
        self.file_mime = ""
        self._writing = False

    def on_part_begin(self) -> None:
        self.headers = {}
        self._buffer = bytearray()
        self._writing = False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field = b""
        self._value = b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get("content-disposition", ""))
        self._name = params.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = b"filename" in params
        if self._is_file and not self.file_seen:
            self.file_seen = True
            self._writing = True
            # A contentType field sent before the file wins over the part's header.
            self.file_mime = self.fields.get("contentType") or self.headers.get(
                "content-type", "application/octet-stream"
            )
            check_mime(self.file_mime, self.allowed)
            self.sink.open()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._writing:
            self.sink.write(data[start:end])
        elif not self._is_file and len(self._buffer) < 1024 * 1024:
            self._buffer += data[start:end]

    def on_part_end(self) -> None:
        if self._writing:
            self.sink.close()
            self._writing = False
        elif not self._is_file and self._name:
            self.fields[self._name] = self._buffer.decode("utf-8", "replace")


async def _read_multipart(
    request: Request, temp: Path, limit: int, allowed: list[str] | None, content_type: str
) -> Upload:
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise errors.no_content()
    sink = _Sink(temp, limit)
    state = _MultipartState(sink, allowed)
    callbacks = {
        name: getattr(state, name)
        for name in (
            "on_part_begin",
            "on_part_data",
            "on_part_end",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            parser.write(chunk)
            if sink.too_large:
                break
        if not sink.too_large:
            parser.finalize()
    except errors.StorageError:
        await _drain(request, received)
        raise
    except Exception as exc:  # a malformed body is the client's mistake, said in one line
        raise errors.invalid_request(f"malformed multipart body: {exc}") from exc
    finally:
        sink.close()
    if sink.too_large:
        await _drain(request, received)
        raise errors.entity_too_large()
    if not state.file_seen:
        raise errors.no_content()
    cache_time = state.fields.get("cacheControl")
    user_metadata = None
    raw_meta = state.fields.get("metadata") or state.fields.get("userMetadata")
    if raw_meta:
        try:
            parsed = json.loads(raw_meta)
            user_metadata = parsed if isinstance(parsed, dict) else None
        except ValueError:
            user_metadata = None
    return Upload(
        temp=temp,
        size=sink.size,
        md5=sink.digest.hexdigest(),
        mimetype=state.file_mime,
        cache_control=f"max-age={cache_time}" if cache_time else "no-cache",
        user_metadata=user_metadata,
    )
