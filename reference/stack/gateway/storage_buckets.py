"""`/storage/v1/bucket`: list, get, create, update, empty, delete — as the caller, under RLS.

Supabase Storage runs bucket reads and writes as the caller's role; `storage.buckets` has RLS
on and no policies, so in practice only the service role (BYPASSRLS) sees and manages buckets.
Emptying a bucket is reserved to the service role outright.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import storage_errors as errors
from .storage_ctx import (
    context,
    fetch_all,
    fetch_one,
    json_body,
    jsonable,
    message,
    require_str,
    storage_handler,
)
from .storage_disk import check_bucket

BUCKET_COLUMNS = (
    "id, name, owner, public, created_at, updated_at, file_size_limit, allowed_mime_types"
)
_SORT_COLUMNS = {"id", "name", "created_at", "updated_at"}
_MIME = re.compile(r"^([a-zA-Z0-9\-+.]+)/([a-zA-Z0-9\-+.]+)(;\s*charset=[a-zA-Z0-9\-]+)?$|\*$")
_SIZE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(gb|mb|kb|b)$", re.IGNORECASE)
_UNITS = {"GB": 10**9, "MB": 10**6, "KB": 1000, "B": 1}


def bucket_json(row: dict[str, Any]) -> dict[str, Any]:
    """A bucket as Storage serializes it (`owner` is a string, `type` STANDARD)."""
    out = jsonable(row)
    out["owner"] = out.get("owner") or ""
    out["type"] = "STANDARD"
    return out


def parse_size_limit(value: Any, global_limit: int) -> int | None:
    """`file_size_limit` as bytes: a number or "20MB"/"30KB"/"3B" (Storage's units)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise errors.invalid_request("body/file_size_limit must be integer,string")
    if isinstance(value, str):
        match = _SIZE.match(value.strip())
        if not match:
            raise errors.StorageError(
                400,
                "InvalidRequest",
                "InvalidRequest",
                "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B",
            )
        value = float(f"{float(match.group(1)):.3g}") * _UNITS[match.group(2).upper()]
    if not isinstance(value, int | float) or value < 0:
        raise errors.invalid_request("body/file_size_limit must be >= 0")
    if value > global_limit:
        raise errors.entity_too_large()
    return int(value)


def parse_mime_types(value: Any) -> list[str] | None:
    """`allowed_mime_types`: a list of `type/sub` (or `type/*`) strings, or None."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise errors.invalid_request("body/allowed_mime_types must be array")
    kept = [v for v in value if v]
    for mime in kept:
        if len(mime) > 1000 or not _MIME.search(mime):
            raise errors.invalid_mime_type(mime)
    return kept


@storage_handler
async def list_buckets(request: Request) -> Response:
    """GET /bucket: the buckets the caller may see."""
    ctx = await context(request)
    q = request.query_params
    sql = f"select {BUCKET_COLUMNS} from storage.buckets"
    params: list[Any] = []
    if q.get("search"):
        sql += " where name ilike %s"
        params.append("%" + q["search"].replace("%", r"\%").replace("_", r"\_") + "%")
    column = q.get("sortColumn")
    if column:
        if column not in _SORT_COLUMNS:
            raise errors.invalid_request(
                "querystring/sortColumn must be equal to one of the allowed values"
            )
        order = "desc" if q.get("sortOrder", "asc").lower() == "desc" else "asc"
        sql += f" order by {column} {order}"
    for key in ("limit", "offset"):
        if q.get(key) is not None:
            if not q[key].isdigit():
                raise errors.invalid_request(f"querystring/{key} must be integer")
            sql += f" {key} %s"
            params.append(int(q[key]))
    async with ctx.as_caller(read_only=True) as conn:
        rows = await fetch_all(conn, sql, params)
    return JSONResponse([bucket_json(r) for r in rows])


@storage_handler
async def get_bucket(request: Request) -> Response:
    """GET /bucket/{id}: one bucket, if the caller may see it."""
    ctx = await context(request)
    bucket_id = request.path_params["bucket_id"]
    async with ctx.as_caller(read_only=True) as conn:
        row = await fetch_one(
            conn, f"select {BUCKET_COLUMNS} from storage.buckets where id = %s", (bucket_id,)
        )
    if row is None:
        raise errors.no_such_bucket()
    return JSONResponse(bucket_json(row))


@storage_handler
async def create_bucket(request: Request) -> Response:
    """POST /bucket: insert the bucket as the caller (RLS decides) → `{"name"}`."""
    ctx = await context(request)
    body = await json_body(request)
    name = require_str(body, "name")
    bucket_id = body.get("id") or name
    if not isinstance(bucket_id, str):
        raise errors.invalid_request("body/id must be string")
    if name.strip() != name:
        raise errors.invalid_bucket_name(name)
    check_bucket(name)
    check_bucket(bucket_id)
    public = body.get("public")
    if public is not None and not isinstance(public, bool):
        raise errors.invalid_request("body/public must be boolean")
    size_limit = parse_size_limit(body.get("file_size_limit"), ctx.global_limit)
    mime_types = parse_mime_types(body.get("allowed_mime_types"))
    async with ctx.as_caller() as conn:
        await conn.execute(
            "insert into storage.buckets "
            "(id, name, owner, owner_id, public, file_size_limit, allowed_mime_types) "
            "values (%s, %s, %s, %s, %s, %s, %s)",
            (bucket_id, name, ctx.owner_uuid, ctx.owner, bool(public), size_limit, mime_types),
        )
    return JSONResponse({"name": name})


@storage_handler
async def update_bucket(request: Request) -> Response:
    """PUT /bucket/{id}: change public / file_size_limit / allowed_mime_types as the caller."""
    ctx = await context(request)
    bucket_id = check_bucket(request.path_params["bucket_id"])
    body = await json_body(request)
    changes: dict[str, Any] = {}
    if "public" in body and body["public"] is not None:
        if not isinstance(body["public"], bool):
            raise errors.invalid_request("body/public must be boolean")
        changes["public"] = body["public"]
    if "file_size_limit" in body:
        changes["file_size_limit"] = parse_size_limit(body["file_size_limit"], ctx.global_limit)
    if "allowed_mime_types" in body:
        changes["allowed_mime_types"] = parse_mime_types(body["allowed_mime_types"])
    if not changes:
        raise errors.no_content()
    assignments = ", ".join(f"{column} = %s" for column in changes)
    async with ctx.as_caller() as conn:
        row = await fetch_one(
            conn,
            f"update storage.buckets set {assignments}, updated_at = now() "
            "where id = %s returning id",
            (*changes.values(), bucket_id),
        )
    if row is None:
        raise errors.no_such_bucket()
    return message("Successfully updated")


@storage_handler
async def empty_bucket(request: Request) -> Response:
    """POST /bucket/{id}/empty: service role only; removes every object and its bytes."""
    ctx = await context(request)
    if ctx.role != "service_role":
        raise errors.access_denied("Access denied: Invalid role", http_status=403)
    bucket_id = request.path_params["bucket_id"]
    await ctx.find_bucket(bucket_id)
    async with ctx.as_caller() as conn:
        removed = await fetch_all(
            conn, "delete from storage.objects where bucket_id = %s returning name", (bucket_id,)
        )
    for row in removed:
        ctx.disk.remove(bucket_id, row["name"])
    return message("Empty bucket has been queued. Completion may take up to an hour.")


@storage_handler
async def delete_bucket(request: Request) -> Response:
    """DELETE /bucket/{id}: only an empty bucket, deleted as the caller."""
    ctx = await context(request)
    bucket_id = request.path_params["bucket_id"]
    await ctx.find_bucket(bucket_id)
    async with ctx.as_admin() as conn:
        left = await fetch_one(
            conn, "select 1 as one from storage.objects where bucket_id = %s limit 1", (bucket_id,)
        )
    if left is not None:
        raise errors.bucket_not_empty()
    async with ctx.as_caller() as conn:
        row = await fetch_one(
            conn, "delete from storage.buckets where id = %s returning id", (bucket_id,)
        )
    if row is None:
        raise errors.no_such_bucket()
    return message("Successfully deleted")
