"""Object bytes on disk: `state_dir/storage/<bucket>/<object name>`, written atomically.

An upload is streamed to a temp file first (`state_dir/.storage-tmp/`), then put in place by
rename only once the caller's insert passed RLS; the previous bytes are kept aside until the
transaction commits, so a failed commit restores them (`Placement`).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import anyio

from . import storage_errors as errors

# Storage's own rules (src/storage/limits.ts): S3-safe characters only.
_VALID_KEY = re.compile(r"^[A-Za-z0-9_/!.*'() &$=@;:+,?-]+$")
_VALID_BUCKET = re.compile(r"^[A-Za-z0-9_!.*'() &$=@;:+,?-]{1,100}$")
_CHUNK = 256 * 1024


def check_key(name: str) -> str:
    """Return `name` if Storage accepts it as an object key that maps to one file, else raise."""
    parts = name.split("/")
    if not _VALID_KEY.match(name) or any(p in ("", ".", "..") for p in parts):
        raise errors.invalid_key(name)
    return name


def check_bucket(bucket: str) -> str:
    """Return `bucket` if it is a valid bucket id, else raise InvalidBucketName."""
    if not _VALID_BUCKET.match(bucket) or bucket in (".", ".."):
        raise errors.invalid_bucket_name(bucket)
    return bucket


@dataclass(frozen=True)
class ByteRange:
    """An inclusive byte range of an object."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str, size: int) -> ByteRange:
    """Parse a single `bytes=a-b` / `bytes=a-` / `bytes=-n` range as Storage does (else 416)."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if not match or size <= 0:
        raise errors.invalid_range()
    first, last = match.groups()
    if not first and not last:
        raise errors.invalid_range()
    if not first:
        suffix = int(last)
        if suffix <= 0:
            raise errors.invalid_range()
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise errors.invalid_range()
    return ByteRange(start, min(end, size - 1))


class Disk:
    """The storage root of one stack: where each object's bytes live."""

    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir) / "storage"
        self.tmp = Path(state_dir) / ".storage-tmp"

    def path(self, bucket: str, name: str) -> Path:
        """The file holding `bucket/name` (both already validated)."""
        path = self.root / check_bucket(bucket) / check_key(name)
        # Belt and braces: validated names never leave the root, but say so if one did.
        if self.root.resolve() not in path.resolve().parents:
            raise errors.invalid_key(name)
        return path

    def new_temp(self) -> Path:
        """A fresh temp file path on the same filesystem as the root."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        return self.tmp / f"upload-{secrets.token_hex(8)}"

    def stat(self, bucket: str, name: str) -> os.stat_result | None:
        """The file's stat, or None when the bytes are missing."""
        try:
            return self.path(bucket, name).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def place(self, temp: Path, bucket: str, name: str) -> Placement:
        """Move `temp` to the object's path, keeping the old bytes until `commit()`."""
        final = self.path(bucket, name)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise errors.invalid_key(f"{name} (a parent folder is an object)") from exc
        if final.is_dir():
            raise errors.invalid_key(f"{name} (already a folder)")
        backup: Path | None = None
        if final.exists():
            backup = self.new_temp()
            os.replace(final, backup)
        os.replace(temp, final)
        return Placement(final, backup)

    def copy_to_temp(self, bucket: str, name: str) -> Path:
        """Copy an object's bytes into a new temp file (for copy/move)."""
        source = self.path(bucket, name)
        if not source.is_file():
            raise errors.file_missing()
        temp = self.new_temp()
        with source.open("rb") as src, temp.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
        return temp

    def remove(self, bucket: str, name: str) -> None:
        """Delete an object's bytes and the folders it leaves empty."""
        path = self.path(bucket, name)
        path.unlink(missing_ok=True)
        bucket_dir = self.root / bucket
        parent = path.parent
        while parent != bucket_dir and bucket_dir in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    async def read(self, bucket: str, name: str, span: ByteRange | None) -> AsyncIterator[bytes]:
        """Stream an object's bytes, or just `span` of them."""
        path = self.path(bucket, name)
        start, remaining = (span.start, span.length) if span else (0, None)
        async with await anyio.open_file(path, "rb") as handle:
            await handle.seek(start)
            while remaining is None or remaining > 0:
                want = _CHUNK if remaining is None else min(_CHUNK, remaining)
                chunk = await handle.read(want)
                if not chunk:
                    break
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk


@dataclass
class Placement:
    """New bytes in place, old bytes (if any) set aside until the transaction's outcome."""

    final: Path
    backup: Path | None

    def commit(self) -> None:
        """The row committed: drop the old bytes."""
        if self.backup is not None:
            self.backup.unlink(missing_ok=True)

    def rollback(self) -> None:
        """The row did not commit: put the old bytes back (or remove the new ones)."""
        if self.backup is not None:
            os.replace(self.backup, self.final)
        else:
            self.final.unlink(missing_ok=True)


def md5_etag(path: Path) -> str:
    """The quoted MD5 ETag Storage's file backend computes."""
    digest = hashlib.md5()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return f'"{digest.hexdigest()}"'
