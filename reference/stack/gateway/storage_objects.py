"""`/storage/v1/object`: upload, download, sign, list, delete, move, copy — under the caller's RLS.

Every row operation runs as the caller (so `storage.objects` policies decide); bucket lookups
run as admin, as Supabase Storage does. The bytes follow the row: they are put in place inside
the caller's transaction after the row passed RLS, and restored if the commit fails.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from psycopg import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import storage_errors as errors
from . import storage_signing as signing
from .storage_ctx import (
    Ctx,
    context,
    fetch_all,
    fetch_one,
    json_body,
    jsonable,
    message,
    require_str,
    storage_handler,
)
from .storage_disk import Placement, check_bucket, check_key
from .storage_render import object_info, render_object
from .storage_upload import Upload, read_upload, size_limit

OBJECT_COLUMNS = (
    "id, name, bucket_id, owner, owner_id, version, metadata, user_metadata, "
    "created_at, updated_at, last_accessed_at"
)
_STRING_FIELDS = ("owner", "owner_id", "version")  # Storage serializes null strings as ""


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def object_metadata(upload: Upload) -> dict[str, Any]:
    """Supabase's `storage.objects.metadata` keys for an upload."""
    return {
        "eTag": f'"{upload.md5}"',
        "size": upload.size,
        "mimetype": upload.mimetype,
        "cacheControl": upload.cache_control,
        "lastModified": _now_iso(),
        "contentLength": upload.size,
        "httpStatusCode": 200,
    }


def object_json(row: dict[str, Any]) -> dict[str, Any]:
    """An object row as Storage's objectSchema serializes it."""
    out = jsonable(row)
    for key in _STRING_FIELDS:
        if key in out and out[key] is None:
            out[key] = ""
    return out


def _names(request: Request) -> tuple[str, str]:
    return request.path_params["bucket"], request.path_params["name"]


async def _find_object(
    conn: AsyncConnection, bucket: str, name: str, columns: str = OBJECT_COLUMNS
) -> dict[str, Any]:
    row = await fetch_one(
        conn,
        f"select {columns} from storage.objects where bucket_id = %s and name = %s limit 1",
        (bucket, name),
    )
    if row is None:
        raise errors.no_such_key()
    return row


async def _visible_object(ctx: Ctx, bucket_row: dict[str, Any], name: str) -> dict[str, Any]:
    """The object's row: as admin in a public bucket, as the caller (RLS) in a private one."""
    bucket = bucket_row["id"]
    if bucket_row["public"]:
        async with ctx.as_admin() as conn:
            return await _find_object(conn, bucket, name)
    async with ctx.as_caller(read_only=True) as conn:
        return await _find_object(conn, bucket, name)


async def _commit_with(ctx: Ctx, work: Any) -> Any:
    """Run `work(conn)` (which may place bytes and return (result, placement)) and settle them."""
    placement: Placement | None = None
    try:
        async with ctx.as_caller() as conn:
            result, placement = await work(conn)
    except BaseException:
        if placement is not None:
            placement.rollback()
        raise
    if placement is not None:
        placement.commit()
    return result


# Upload --------------------------------------------------------------------------------------


async def _store(ctx: Ctx, request: Request, *, upsert: bool) -> Response:
    bucket, name = _names(request)
    check_key(name)
    bucket_row = await ctx.find_bucket(bucket)
    limit = size_limit(bucket_row["file_size_limit"], ctx.global_limit, name)
    upload = await read_upload(
        request, ctx.disk.new_temp(), limit, bucket_row["allowed_mime_types"], name
    )
    metadata = json.dumps(object_metadata(upload))
    user_metadata = json.dumps(upload.user_metadata) if upload.user_metadata is not None else None
    values = (bucket, name, ctx.owner_uuid, ctx.owner, metadata, user_metadata)
    insert = (
        "insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata) "
        "values (%s, %s, %s, %s, %s, %s)"
    )
    if upsert:
        insert += (
            " on conflict (bucket_id, name) do update set owner = excluded.owner, "
            "owner_id = excluded.owner_id, metadata = excluded.metadata, "
            "user_metadata = excluded.user_metadata, updated_at = now()"
        )

    async def work(conn: AsyncConnection) -> tuple[dict[str, Any], Placement]:
        row = await fetch_one(conn, insert + " returning id", values)
        assert row is not None
        return row, ctx.disk.place(upload.temp, bucket, name)

    try:
        row = await _commit_with(ctx, work)
    finally:
        upload.discard()
    return JSONResponse({"Id": str(row["id"]), "Key": f"{bucket}/{name}"})


@storage_handler
async def upload_object(request: Request) -> Response:
    """POST /object/{bucket}/{name}: a new object (`x-upsert: true` replaces an existing one)."""
    ctx = await context(request)
    upsert = request.headers.get("x-upsert", "").lower() == "true"
    return await _store(ctx, request, upsert=upsert)


@storage_handler
async def update_object(request: Request) -> Response:
    """PUT /object/{bucket}/{name}: replace (or create) the object's bytes."""
    ctx = await context(request)
    return await _store(ctx, request, upsert=True)


# Download ------------------------------------------------------------------------------------


async def _download(request: Request, *, allow_anon: bool, head: bool) -> Response:
    ctx = await context(request, allow_invalid_jwt=allow_anon)
    bucket, name = _names(request)
    check_key(name)
    bucket_row = await ctx.find_bucket_or_none(bucket)
    if bucket_row is None or (not ctx.authenticated and not bucket_row["public"]):
        raise errors.no_such_bucket()
    row = await _visible_object(ctx, bucket_row, name)
    return render_object(request, ctx.disk, bucket, name, row["metadata"], head=head)


@storage_handler
async def get_object(request: Request) -> Response:
    """GET /object/{bucket}/{name}: anon may read public buckets; others read under RLS."""
    return await _download(request, allow_anon=True, head=request.method == "HEAD")


@storage_handler
async def get_authenticated_object(request: Request) -> Response:
    """GET /object/authenticated/{bucket}/{name}: a valid JWT is required; RLS decides."""
    return await _download(request, allow_anon=False, head=request.method == "HEAD")


@storage_handler
async def get_public_object(request: Request) -> Response:
    """GET /object/public/{bucket}/{name}: public buckets only, no auth needed."""
    bucket, name = _names(request)
    check_key(name)
    ctx = await context(request, allow_invalid_jwt=True)
    await ctx.find_bucket(bucket, public_only=True)
    async with ctx.as_admin() as conn:
        row = await _find_object(conn, bucket, name)
    return render_object(
        request, ctx.disk, bucket, name, row["metadata"], head=request.method == "HEAD"
    )


async def _info(request: Request, *, public: bool, allow_anon: bool) -> Response:
    ctx = await context(request, allow_invalid_jwt=allow_anon or public)
    bucket, name = _names(request)
    check_key(name)
    bucket_row = await ctx.find_bucket_or_none(bucket)
    if bucket_row is None or (not ctx.authenticated and not bucket_row["public"]):
        raise errors.no_such_bucket()
    if public or bucket_row["public"]:
        async with ctx.as_admin() as conn:
            row = await _find_object(conn, bucket, name)
    else:
        async with ctx.as_caller(read_only=True) as conn:
            row = await _find_object(conn, bucket, name)
    meta = row.get("metadata") or {}
    headers = {"etag": str(meta.get("eTag") or "")}
    if meta.get("cacheControl"):
        headers["cache-control"] = str(meta["cacheControl"])
    return JSONResponse(object_info(row), headers=headers)


@storage_handler
async def get_object_info(request: Request) -> Response:
    """GET /object/info/{bucket}/{name}: the object's info under the caller's RLS."""
    return await _info(request, public=False, allow_anon=True)


@storage_handler
async def get_authenticated_object_info(request: Request) -> Response:
    """GET /object/info/authenticated/{bucket}/{name}."""
    return await _info(request, public=False, allow_anon=False)


@storage_handler
async def get_public_object_info(request: Request) -> Response:
    """GET /object/info/public/{bucket}/{name}."""
    return await _info(request, public=True, allow_anon=True)


# Signed URLs ---------------------------------------------------------------------------------


@storage_handler
async def sign_object(request: Request) -> Response:
    """POST /object/sign/{bucket}/{name} {expiresIn} → {signedURL} for an object the caller sees."""
    ctx = await context(request)
    bucket, name = _names(request)
    body = await json_body(request)
    if "expiresIn" not in body:
        raise errors.invalid_request("body must have required property 'expiresIn'")
    seconds = signing.expires_in(body["expiresIn"])
    check_key(name)
    async with ctx.as_caller(read_only=True) as conn:
        await _find_object(conn, bucket, name, "id")
    token = signing.sign_download(ctx.settings.jwt_secret, bucket, name, seconds)
    return JSONResponse({"signedURL": signing.signed_path(bucket, name, token)})


@storage_handler
async def sign_objects(request: Request) -> Response:
    """POST /object/sign/{bucket} {paths, expiresIn} → one entry per path (error when unseen)."""
    ctx = await context(request)
    bucket = request.path_params["bucket"]
    body = await json_body(request)
    paths = body.get("paths")
    if "expiresIn" not in body:
        raise errors.invalid_request("body must have required property 'expiresIn'")
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise errors.invalid_request("body/paths must be a non-empty array of strings")
    seconds = signing.expires_in(body["expiresIn"])
    async with ctx.as_caller(read_only=True) as conn:
        found = await fetch_all(
            conn,
            "select name from storage.objects where bucket_id = %s and name = any(%s)",
            (bucket, paths),
        )
    seen = {row["name"] for row in found}
    answer = []
    for path in paths:
        if path in seen:
            token = signing.sign_download(ctx.settings.jwt_secret, bucket, path, seconds)
            answer.append(
                {"error": None, "path": path, "signedURL": signing.signed_path(bucket, path, token)}
            )
        else:
            answer.append(
                {
                    "error": "Either the object does not exist or you do not have access to it",
                    "path": path,
                    "signedURL": None,
                }
            )
    return JSONResponse(answer)


@storage_handler
async def get_signed_object(request: Request) -> Response:
    """GET /object/sign/{bucket}/{name}?token=: the bytes, if the token was signed for them."""
    bucket, name = _names(request)
    token = request.query_params.get("token")
    if not token:
        raise errors.invalid_request("querystring must have required property 'token'")
    ctx = await context(request, allow_invalid_jwt=True)
    claims = signing.verify_download(ctx.settings.jwt_secret, token, bucket, name)
    check_key(name)
    async with ctx.as_admin() as conn:
        row = await _find_object(conn, bucket, name)
    return render_object(
        request,
        ctx.disk,
        bucket,
        name,
        row["metadata"],
        expires=int(claims["exp"]) if "exp" in claims else None,
        head=request.method == "HEAD",
    )


# Listing -------------------------------------------------------------------------------------

_SORTABLE = ("name", "updated_at", "created_at", "last_accessed_at")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_query(prefix: str, search: str, column: str, order: str) -> tuple[str, dict[str, Any]]:
    """Storage's `storage.search()`: one level under `prefix`, folders (id null) first."""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    level = len((prefix + search).split("/"))
    direction = "desc" if order == "desc" else "asc"
    sql = f"""
        with matching as (
            select o.name, o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata,
                   string_to_array(o.name, '/') as tokens
            from storage.objects o
            where o.bucket_id = %(bucket)s and o.name ilike %(pattern)s
        ),
        folders as (
            select tokens[%(level)s] as folder
            from matching
            where array_length(tokens, 1) <> %(level)s
            group by folder
        )
        (select folder as name, null::uuid as id, null::timestamptz as updated_at,
                null::timestamptz as created_at, null::timestamptz as last_accessed_at,
                null::jsonb as metadata
         from folders order by folder {direction})
        union all
        (select tokens[%(level)s] as name, id, updated_at, created_at, last_accessed_at, metadata
         from matching
         where array_length(tokens, 1) = %(level)s
         order by {column} {direction}, name {direction})
        limit %(limit)s offset %(offset)s
    """
    params = {
        "pattern": _like_escape(prefix) + _like_escape(search) + "%",
        "level": level,
    }
    return sql, params


def _int_option(body: dict[str, Any], key: str, default: int, minimum: int) -> int:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.invalid_request(f"body/{key} must be integer")
    if value < minimum:
        raise errors.invalid_request(f"body/{key} must be >= {minimum}")
    return value


@storage_handler
async def list_objects(request: Request) -> Response:
    """POST /object/list/{bucket} {prefix, limit, offset, sortBy, search}: one folder level."""
    ctx = await context(request)
    bucket = request.path_params["bucket"]
    body = await json_body(request)
    prefix = require_str(body, "prefix")
    search = body.get("search") or ""
    if not isinstance(search, str):
        raise errors.invalid_request("body/search must be string")
    limit = _int_option(body, "limit", 100, 1)
    offset = _int_option(body, "offset", 0, 0)
    sort = body.get("sortBy") or {}
    if not isinstance(sort, dict):
        raise errors.invalid_request("body/sortBy must be object")
    column = sort.get("column") or "name"
    order = (sort.get("order") or "asc").lower()
    if column not in _SORTABLE:
        raise errors.invalid_request(
            "body/sortBy/column must be equal to one of the allowed values"
        )
    if order not in ("asc", "desc"):
        raise errors.invalid_request("body/sortBy/order must be equal to one of the allowed values")
    sql, params = list_query(prefix, search, column, order)
    params.update(bucket=bucket, limit=limit, offset=offset)
    async with ctx.as_caller(read_only=True) as conn:
        rows = await fetch_all(conn, sql, params)
    return JSONResponse([jsonable(row) for row in rows])


# Delete, move, copy --------------------------------------------------------------------------


@storage_handler
async def delete_object(request: Request) -> Response:
    """DELETE /object/{bucket}/{name}: delete as the caller; invisible or refused → errors."""
    ctx = await context(request)
    bucket, name = _names(request)
    check_key(name)
    async with ctx.as_admin() as conn:
        await _find_object(conn, bucket, name, "id")
    async with ctx.as_caller() as conn:
        row = await fetch_one(
            conn,
            "delete from storage.objects where bucket_id = %s and name = %s returning id",
            (bucket, name),
        )
    if row is None:
        raise errors.access_denied("Access denied")
    ctx.disk.remove(bucket, name)
    return message("Successfully deleted")


@storage_handler
async def delete_objects(request: Request) -> Response:
    """DELETE /object/{bucket} {prefixes}: delete what the caller may; answer the deleted rows."""
    ctx = await context(request)
    bucket = request.path_params["bucket"]
    body = await json_body(request)
    prefixes = body.get("prefixes")
    if (
        not isinstance(prefixes, list)
        or not prefixes
        or not all(isinstance(p, str) for p in prefixes)
    ):
        raise errors.invalid_request("body/prefixes must NOT have fewer than 1 items")
    if len(prefixes) > 1000:
        raise errors.invalid_request(
            "Bulk object requests are limited to 1000 objects per request."
        )
    async with ctx.as_caller() as conn:
        rows = await fetch_all(
            conn,
            f"delete from storage.objects where bucket_id = %s and name = any(%s) "
            f"returning {OBJECT_COLUMNS}",
            (bucket, prefixes),
        )
    for row in rows:
        ctx.disk.remove(bucket, row["name"])
    return JSONResponse([object_json(row) for row in rows])


def _transfer_body(body: dict[str, Any]) -> tuple[str, str, str, str]:
    source_bucket = require_str(body, "bucketId")
    source = require_str(body, "sourceKey")
    destination = require_str(body, "destinationKey")
    destination_bucket = body.get("destinationBucket") or source_bucket
    if not isinstance(destination_bucket, str):
        raise errors.invalid_request("body/destinationBucket must be string")
    check_bucket(source_bucket)
    check_bucket(destination_bucket)
    check_key(source)
    check_key(destination)
    return source_bucket, source, destination_bucket, destination


@storage_handler
async def move_object(request: Request) -> Response:
    """POST /object/move: rename under the caller's SELECT+UPDATE policies, bytes follow."""
    ctx = await context(request)
    source_bucket, source, dest_bucket, dest = _transfer_body(await json_body(request))
    await ctx.find_bucket(dest_bucket)
    disk = ctx.disk

    async def work(conn: AsyncConnection) -> tuple[dict[str, Any], Placement | None]:
        await _find_object(conn, source_bucket, source, "id")
        row = await fetch_one(
            conn,
            "update storage.objects set bucket_id = %s, name = %s, owner = %s, owner_id = %s, "
            "updated_at = now() where bucket_id = %s and name = %s returning id",
            (dest_bucket, dest, ctx.owner_uuid, ctx.owner, source_bucket, source),
        )
        if row is None:
            raise errors.no_such_key()
        if (source_bucket, source) == (dest_bucket, dest):
            return row, None
        temp = disk.copy_to_temp(source_bucket, source)
        placement = disk.place(temp, dest_bucket, dest)
        return row, placement

    row = await _commit_with(ctx, work)
    if (source_bucket, source) != (dest_bucket, dest):
        disk.remove(source_bucket, source)
    return JSONResponse({"message": "Successfully moved", "Id": str(row["id"]), "Key": dest})


@storage_handler
async def copy_object(request: Request) -> Response:
    """POST /object/copy: read the source and insert the copy, both as the caller."""
    ctx = await context(request)
    body = await json_body(request)
    source_bucket, source, dest_bucket, dest = _transfer_body(body)
    upsert = request.headers.get("x-upsert", "").lower() == "true"
    await ctx.find_bucket(dest_bucket)
    disk = ctx.disk

    async def work(conn: AsyncConnection) -> tuple[dict[str, Any], Placement]:
        original = await _find_object(conn, source_bucket, source)
        metadata = dict(original.get("metadata") or {})
        metadata["lastModified"] = _now_iso()
        overrides = body.get("metadata")
        if body.get("copyMetadata") is False and isinstance(overrides, dict):
            for key in ("cacheControl", "mimetype"):
                if isinstance(overrides.get(key), str):
                    metadata[key] = overrides[key]
        sql = (
            "insert into storage.objects "
            "(bucket_id, name, owner, owner_id, metadata, user_metadata) "
            "values (%s, %s, %s, %s, %s, %s)"
        )
        if upsert:
            sql += (
                " on conflict (bucket_id, name) do update set owner = excluded.owner, "
                "owner_id = excluded.owner_id, metadata = excluded.metadata, "
                "user_metadata = excluded.user_metadata, updated_at = now()"
            )
        row = await fetch_one(
            conn,
            sql + f" returning {OBJECT_COLUMNS}",
            (
                dest_bucket,
                dest,
                ctx.owner_uuid,
                ctx.owner,
                json.dumps(metadata),
                json.dumps(original.get("user_metadata"))
                if original.get("user_metadata") is not None
                else None,
            ),
        )
        assert row is not None
        temp = disk.copy_to_temp(source_bucket, source)
        return row, disk.place(temp, dest_bucket, dest)

    row = await _commit_with(ctx, work)
    return JSONResponse({"Id": str(row["id"]), "Key": f"{dest_bucket}/{dest}", **object_json(row)})
