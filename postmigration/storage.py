"""Storage checks through the Storage API: bucket settings, full recursive listings, downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

PAGE = 100  # what supabase-js and storage3 use; the listing must page past it


@dataclass(frozen=True)
class BucketSpec:
    """What the app needs of a bucket: its public flag, and (when set) limit and mime types."""

    public: bool
    file_size_limit: int | None = None
    allowed_mime_types: tuple[str, ...] | None = None


class _Bucket(Protocol):
    id: str
    public: bool
    file_size_limit: int | None
    allowed_mime_types: list[str] | None


def bucket_problems(
    actual: Mapping[str, _Bucket],
    expected: Mapping[str, BucketSpec],
    old: Mapping[str, _Bucket] | None = None,
) -> list[str]:
    """Missing buckets and wrong settings, against the app profile and (when given) old's buckets."""
    problems: list[str] = []
    for name, spec in expected.items():
        bucket = actual.get(name)
        if bucket is None:
            problems.append(f'bucket "{name}" does not exist')
            continue
        if bool(bucket.public) != spec.public:
            problems.append(
                f'bucket "{name}" is {"public" if bucket.public else "not public"}'
                f" but the app needs it {'public' if spec.public else 'private'}"
            )
        if spec.file_size_limit is not None and bucket.file_size_limit != spec.file_size_limit:
            problems.append(
                f'bucket "{name}" has size limit {bucket.file_size_limit}, expected {spec.file_size_limit}'
            )
        if spec.allowed_mime_types is not None and sorted(
            bucket.allowed_mime_types or []
        ) != sorted(spec.allowed_mime_types):
            problems.append(
                f'bucket "{name}" allows {bucket.allowed_mime_types}, expected {list(spec.allowed_mime_types)}'
            )
    for name, was in (old or {}).items():
        bucket = actual.get(name)
        if bucket is None:
            if name not in expected:
                problems.append(f'bucket "{name}" exists on old but not on new')
            continue
        for label in ("public", "file_size_limit", "allowed_mime_types"):
            mine, theirs = getattr(bucket, label), getattr(was, label)
            if label == "allowed_mime_types":
                mine, theirs = sorted(mine or []), sorted(theirs or [])
            if mine != theirs:
                problems.append(f'bucket "{name}" {label} is {mine!r} on new but {theirs!r} on old')
    return problems


@dataclass(frozen=True)
class StoredObject:
    """One object as the Storage API lists it."""

    name: str
    size: int | None
    etag: str | None
    mimetype: str | None


class _Files(Protocol):
    def list(self, path: str | None = None, options: Any = None) -> list[dict[str, Any]]: ...


def list_all(files: _Files, prefix: str = "") -> dict[str, StoredObject]:
    """Every object under `prefix`, recursively, paging by 100 as the clients do."""
    found: dict[str, StoredObject] = {}
    offset = 0
    while True:
        page = files.list(
            prefix, {"limit": PAGE, "offset": offset, "sortBy": {"column": "name", "order": "asc"}}
        )
        for entry in page:
            path = f"{prefix}/{entry['name']}" if prefix else entry["name"]
            if entry.get("id") is None:  # a folder
                found.update(list_all(files, path))
            else:
                meta = entry.get("metadata") or {}
                found[path] = StoredObject(
                    path,
                    meta.get("size"),
                    str(meta.get("eTag") or "").strip('"') or None,
                    meta.get("mimetype"),
                )
        if len(page) < PAGE:
            return found
        offset += PAGE


def listing_differences(
    bucket: str, new: Mapping[str, StoredObject], old: Mapping[str, StoredObject]
) -> list[str]:
    """Objects missing on new, extra on new, or different in size or checksum."""
    problems = [f"{bucket}/{n} is missing on new" for n in sorted(old.keys() - new.keys())]
    problems += [f"{bucket}/{n} is on new but not on old" for n in sorted(new.keys() - old.keys())]
    for name in sorted(new.keys() & old.keys()):
        a, b = new[name], old[name]
        if a.size != b.size:
            problems.append(f"{bucket}/{name} is {a.size} bytes on new but {b.size} on old")
        elif a.etag and b.etag and a.etag != b.etag:
            problems.append(f"{bucket}/{name} has checksum {a.etag} on new but {b.etag} on old")
    return problems


def download_problems(http: Any, bucket: str, stored: StoredObject) -> list[str]:
    """Download one object (as the service role) and compare it with its listing."""
    response = http.get(f"/object/authenticated/{bucket}/{stored.name}")
    where = f"{bucket}/{stored.name}"
    if response.status_code != 200:
        return [f"{where} is listed but its download answered {response.status_code}"]
    problems = []
    if stored.size is not None and len(response.content) != stored.size:
        problems.append(f"{where} downloads {len(response.content)} bytes, listed as {stored.size}")
    served = response.headers.get("content-type", "").split(";")[0]
    if stored.mimetype and served != stored.mimetype:
        problems.append(f"{where} is served as {served!r}, stored as {stored.mimetype!r}")
    if stored.etag and hashlib.md5(response.content).hexdigest() != stored.etag:
        etag = response.headers.get("etag", "").strip('"')
        if etag != stored.etag:
            problems.append(f"{where} bytes do not match its checksum {stored.etag}")
    return problems


def downloads_problems(
    http: Any, listing: Mapping[str, Mapping[str, StoredObject]], *, workers: int = 8
) -> list[str]:
    """Download every listed object, a few at a time, and return every problem found."""
    jobs = [(bucket, stored) for bucket, objects in listing.items() for stored in objects.values()]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = pool.map(lambda job: download_problems(http, *job), jobs)
        return [problem for problems in found for problem in problems]
