"""Serving an object's bytes the way Storage's asset renderer does: headers, ranges, 304s.

Headers: Accept-Ranges, Content-Type, Content-Length, ETag, Last-Modified, Cache-Control (or
Expires for a signed URL), X-Robots-Tag, Content-Range on 206, Content-Disposition for
`?download`. A bad Range is 416; a matching If-None-Match is 304.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from . import storage_errors as errors
from .storage_disk import Disk, parse_range


def _content_disposition(download: str) -> str:
    if download == "":
        return "attachment;"
    encoded = quote(download, safe="")
    return f"attachment; filename={encoded}; filename*=UTF-8''{encoded}"


def _not_modified(request: Request, etag: str, modified: datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match:
        return match == etag
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def render_object(
    request: Request,
    disk: Disk,
    bucket: str,
    name: str,
    metadata: dict[str, Any] | None,
    *,
    expires: int | None = None,
    head: bool = False,
) -> Response:
    """The response for GET/HEAD of `bucket/name`, honouring Range and `?download`."""
    stat = disk.stat(bucket, name)
    if stat is None:
        err = errors.file_missing()
        return err.response(headers={"cache-control": "no-store"})
    meta = metadata or {}
    size = stat.st_size
    modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    etag = str(meta.get("eTag") or f'"{int(stat.st_mtime_ns):x}-{size:x}"')
    headers = {
        "accept-ranges": "bytes",
        "content-type": str(meta.get("mimetype") or "application/octet-stream"),
        "etag": etag,
        "last-modified": format_datetime(modified, usegmt=True),
        "x-robots-tag": "none",
    }
    if expires is not None:
        stamp = datetime.fromtimestamp(expires, tz=UTC)
        headers["expires"] = format_datetime(stamp, usegmt=True)
    elif meta.get("cacheControl"):
        headers["cache-control"] = str(meta["cacheControl"])
    download = request.query_params.get("download")
    if download is not None:
        headers["content-disposition"] = _content_disposition(download)

    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)

    span = None
    status = 200
    range_header = request.headers.get("range")
    if range_header:
        span = parse_range(range_header, size)
        status = 206
        headers["content-range"] = f"bytes {span.start}-{span.end}/{size}"
        headers["content-length"] = str(span.length)
    else:
        headers["content-length"] = str(size)

    if head:
        return Response(status_code=status, headers=headers)
    return StreamingResponse(disk.read(bucket, name, span), status_code=status, headers=headers)


def object_info(row: dict[str, Any]) -> dict[str, Any]:
    """The body of GET /object/info/...: Storage's info renderer fields."""
    meta = row.get("metadata") or {}

    def iso(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else value

    return {
        "id": str(row["id"]),
        "name": row["name"],
        "version": row.get("version"),
        "bucket_id": row["bucket_id"],
        "size": meta.get("size"),
        "content_type": meta.get("mimetype"),
        "cache_control": meta.get("cacheControl"),
        "etag": meta.get("eTag"),
        "metadata": row.get("user_metadata"),
        "last_modified": iso(row.get("updated_at")),
        "created_at": iso(row.get("created_at")),
    }
