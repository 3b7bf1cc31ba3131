"""Storage checks through the Storage API: bucket settings, full recursive listings, downloads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from postmigration.keys import api_headers
from postmigration.redact import excerpt
from postmigration.trust import http_client

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
    """One object as Storage records it: its name, size, content-type (mimetype), recorded
    hash (its eTag; None when not recorded), when Storage last wrote it (the later of its
    created_at and updated_at as a listing gives them, ISO 8601) and, when read from the
    database, its owner (a user id; None: no one, or not known: the Storage API's listings do
    not give it). The last two are not part of its equality."""

    name: str
    size: int | None
    mimetype: str | None
    etag: str | None = None
    changed_at: str | None = field(default=None, compare=False)
    owner: str | None = field(default=None, compare=False)

    def written_after(self, moment: str | datetime) -> bool:
        """Whether Storage wrote it after `moment` (False when the listing gave no time)."""
        return bool(self.changed_at) and instant(str(self.changed_at)) > instant(moment)


def instant(moment: str | datetime) -> datetime:
    """An ISO 8601 time (``Z`` allowed) or a datetime, in UTC when it names no zone."""
    when = (
        moment
        if isinstance(moment, datetime)
        else datetime.fromisoformat(moment.replace("Z", "+00:00"))
    )
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _changed_at(entry: Mapping[str, Any]) -> str | None:
    """The later of a listing entry's created_at and updated_at (ISO 8601), if any."""
    stamps = [str(entry[k]) for k in ("created_at", "updated_at") if entry.get(k)]
    return max(stamps, key=instant) if stamps else None


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
                    meta.get("mimetype"),
                    meta.get("eTag"),
                    _changed_at(entry),
                )
        if len(page) < PAGE:
            return found
        offset += PAGE


def listing_differences(
    bucket: str, new: Mapping[str, StoredObject], old: Mapping[str, StoredObject]
) -> list[str]:
    """One line per object missing on new, extra on new, or listed with another size,
    content-type or owner than on old (owners are known only from the databases: listings give
    None on both sides)."""
    problems = [f"{bucket}/{n} is missing on new" for n in sorted(old.keys() - new.keys())]
    problems += [f"{bucket}/{n} is on new but not on old" for n in sorted(new.keys() - old.keys())]
    for name in sorted(new.keys() & old.keys()):
        a, b = new[name], old[name]
        found = []
        if a.size != b.size:
            found.append(f"{a.size} bytes on new but {b.size} on old")
        if a.mimetype != b.mimetype:
            found.append(
                f"content-type is {a.mimetype or 'not set'} on new but {b.mimetype or 'not set'} on old"
            )
        if a.owner != b.owner:
            found.append(f"owned by {_owner(a.owner)} on new but by {_owner(b.owner)} on old")
        if found:
            problems.append(f"{bucket}/{name}: " + "; ".join(found))
    return problems


def _owner(owner: str | None) -> str:
    return f"user {owner}" if owner else "no one"


@dataclass(frozen=True)
class Download:
    """What one download of an object gave: its status, and on 200 its bytes' size, served
    content-type and sha256 (the bytes' own hash, never an ETag)."""

    status: int
    reason: str = ""
    size: int = 0
    content_type: str = ""
    sha256: str = ""


def download(http: httpx.Client, bucket: str, name: str) -> Download:
    """Stream one object through the authenticated route (as the client's key allows) and
    hash its bytes; an error answer keeps Storage's own words."""
    try:
        with http.stream("GET", f"/object/authenticated/{bucket}/{name}") as response:
            if response.status_code != 200:
                response.read()
                return Download(response.status_code, error_reason(response))
            digest = hashlib.sha256()
            size = 0
            for chunk in response.iter_bytes():
                digest.update(chunk)
                size += len(chunk)
            served = response.headers.get("content-type", "").split(";")[0].strip()
            return Download(200, "", size, served, digest.hexdigest())
    except httpx.HTTPError as exc:
        return Download(0, f"{type(exc).__name__}: {exc}")


def error_reason(response: httpx.Response) -> str:
    """Storage's own words for an error (its JSON ``message``), else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return excerpt(response.text.strip(), 120)
    if isinstance(body, dict):
        for key in ("message", "error", "msg"):
            if body.get(key):
                return str(body[key])
    return excerpt(str(body), 120)


def download_difference(where: str, new: Download, old: Download) -> str | None:
    """How new's download of one object differs from old's (failure, bytes, served
    content-type), in one line; None when they agree."""
    if old.status != 200:
        return f"{where}: cannot be downloaded from old to compare ({old.status} {old.reason})"
    if new.status != 200:
        return (
            f"{where}: new holds it, but its download from new answered {new.status} {new.reason}"
        )
    found = []
    if new.sha256 != old.sha256:
        sizes = "" if new.size == old.size else f", {new.size} bytes vs {old.size}"
        found.append(
            f"bytes differ from old (sha256 {new.sha256[:8]}… vs {old.sha256[:8]}…{sizes})"
        )
    if new.content_type != old.content_type:
        found.append(
            f"served as {new.content_type or 'no content-type'} on new "
            f"but {old.content_type or 'no content-type'} on old"
        )
    return f"{where}: " + "; ".join(found) if found else None


def byte_differences(
    new: httpx.Client, old: httpx.Client, objects: Iterable[tuple[str, str]], *, workers: int = 8
) -> list[str]:
    """Download each object from new and from old (at most `workers` downloads at a time on
    each server) and compare the sha256 of their bytes and their served content-type: one line
    per object that differs."""
    jobs = list(objects)
    with ThreadPoolExecutor(workers) as on_new, ThreadPoolExecutor(workers) as on_old:
        news = on_new.map(lambda job: download(new, *job), jobs)
        olds = on_old.map(lambda job: download(old, *job), jobs)
        found = (
            download_difference(f"{bucket}/{name}", a, b)
            for (bucket, name), a, b in zip(jobs, news, olds, strict=True)
        )
        return [problem for problem in found if problem]


def storage_http(supabase_url: str, key: str) -> httpx.Client:
    """An HTTP client on a target's Storage API with `key` (the service role's, for parity: its
    legacy JWT or its secret key, sent as apikey and as the apikey's twin Bearer)."""
    return http_client(base_url=f"{supabase_url}/storage/v1", headers=api_headers(key), timeout=60)
