"""`/rest/v1`: a PostgREST stand-in over the project's database.

Each request verifies the caller's JWT, parses the query string (`rest_grammar`), builds
parameterised SQL (`rest_sql`) against the cached schema (`rest_schema`) and runs it in ONE
transaction as the JWT's role with `request.jwt.claims` set (`db.as_caller`), READ ONLY for
GET/HEAD. Authorization is Postgres's alone: grants and RLS decide.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from psycopg import AsyncConnection, sql
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..settings import StackSettings
from .caller import InvalidToken, caller_claims, request_token
from .db import as_caller, database
from .rest_errors import (
    RestError,
    from_postgres,
    grammar_error,
    invalid_body,
    jwt_error,
    range_not_satisfiable,
    singular,
    suggestion,
    table_not_found,
)
from .rest_grammar import GrammarError, Query, parse_query
from .rest_schema import Function, SchemaCache, SchemaCacheHolder, Table
from .rest_sql import Builder, Statement, json_body

log = logging.getLogger("reference.stack.gateway.rest")

EXPOSED_SCHEMA = "public"
MAX_ROWS = 1000  # Supabase's default "Max rows" for the Data API
ALL_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "PUT", "OPTIONS"]
T = TypeVar("T")


@dataclass(frozen=True)
class Media:
    """What the client accepts: a JSON array, a single object, or CSV; nulls stripped or not."""

    kind: str = "json"
    strip_nulls: bool = False

    @property
    def content_type(self) -> str:
        return {
            "json": "application/json; charset=utf-8",
            "object": "application/vnd.pgrst.object+json; charset=utf-8",
            "csv": "text/csv; charset=utf-8",
        }[self.kind]

    def sql_body(self) -> sql.Composable:
        """The SQL expression that turns the result rows into a body of this media type."""
        return json_body(self.kind == "object", self.strip_nulls)


@dataclass(frozen=True)
class TableCall:
    """One request on a table or view, inside its transaction: what each verb works from."""

    request: Request
    conn: AsyncConnection
    cache: SchemaCache
    table: Table
    query: Query
    media: Media
    prefs: dict[str, str]

    def builder(self) -> Builder:
        """A SQL builder for this request's query against its schema cache."""
        return Builder(self.cache, self.query)


def negotiate(accept: str | None) -> Media:
    """The response media type for an Accept header, or 406 PGRST107."""
    if not accept or not accept.strip():
        return Media()
    for part in accept.split(","):
        mime, *params = [p.strip() for p in part.split(";")]
        strip = "nulls=stripped" in params
        mime = mime.lower()
        if mime in (
            "application/json",
            "application/*",
            "*/*",
            "application/vnd.pgrst.array+json",
            "application/vnd.pgrst.array",
        ):
            return Media("json", strip)
        if mime in ("application/vnd.pgrst.object+json", "application/vnd.pgrst.object"):
            return Media("object", strip)
        if mime == "text/csv":
            return Media("csv")
    raise RestError(406, "PGRST107", f"None of these media types are available: {accept}")


def parse_prefer(request: Request) -> dict[str, str]:
    """`Prefer` preferences (several headers, comma-joined, spaces optional) as a dict."""
    prefs: dict[str, str] = {}
    for header in request.headers.getlist("prefer"):
        for item in header.split(","):
            key, _, value = item.strip().partition("=")
            if key:
                prefs[key.strip().lower()] = value.strip()
    return prefs


def applied(prefs: dict[str, str], *keys: str) -> dict[str, str]:
    """The `Preference-Applied` header for the preferences this request honoured."""
    valid = {
        "return": {"representation", "minimal", "headers-only"},
        "count": {"exact", "planned", "estimated"},
        "resolution": {"merge-duplicates", "ignore-duplicates"},
        "missing": {"default", "null"},
        "handling": {"lenient", "strict"},
    }
    chosen = [f"{k}={prefs[k]}" for k in keys if prefs.get(k) in valid.get(k, ())]
    return {"Preference-Applied": ", ".join(chosen)} if chosen else {}


def content_range(lower: int, page: int, total: int | None) -> str:
    """PostgREST's Content-Range: `0-24/3573458`, `*/0` when empty, `*` when not counted."""
    upper = lower + page - 1
    in_range = total != 0 and lower <= upper
    return f"{f'{lower}-{upper}' if in_range else '*'}/{'*' if total is None else total}"


def range_status(lower: int, page: int, total: int | None) -> int:
    """200, 206 when the page is part of the counted total, 416 past its end."""
    if total is None:
        return 200
    if lower > total:
        return 416
    return 206 if page < total else 200


def root_range(request: Request, query: Query, max_rows: int) -> tuple[int | None, int]:
    """The top-level limit and offset from `limit`/`offset` and the `Range` header."""
    limit = query.limit.get(())
    offset = query.offset.get((), 0)
    if limit is not None and limit < 0:
        raise range_not_satisfiable("Limit should be greater than or equal to zero.")
    lower, upper = offset, (offset + limit - 1) if limit is not None else None
    header = request.headers.get("range", "").strip()
    if header and request.method in ("GET", "HEAD"):
        first, sep, last = header.partition("-")
        if sep and first.isdigit() and (last.isdigit() or last == ""):
            if last and int(last) < int(first):
                raise range_not_satisfiable(
                    "The lower boundary must be lower than or equal to the "
                    "upper boundary in the Range header."
                )
            lower = max(lower, int(first))
            if last:
                upper = int(last) if upper is None else min(upper, int(last))
    size = None if upper is None else max(upper - lower + 1, 0)
    if max_rows and (size is None or size > max_rows):
        size = max_rows
    return size, lower


class RestSurface:
    """The `/rest/v1` endpoints of one project."""

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.schema = SchemaCacheHolder(EXPOSED_SCHEMA)
        self.max_rows = int(getattr(settings, "rest_max_rows", MAX_ROWS))

    # -- plumbing ---------------------------------------------------------------------

    async def handle(self, request: Request, kind: str) -> Response:
        """Dispatch one request; every failure becomes PostgREST's error JSON."""
        try:
            name = request.path_params.get("name", "")
            if kind == "root":
                return await self.root(request)
            if kind == "rpc":
                return await self.rpc(request, name)
            return await self.resource(request, name)
        except RestError as exc:
            return exc.response()
        except Exception:  # a bug here must not become a traceback page; the log keeps it
            log.exception("REST request failed: %s %s", request.method, request.url.path)
            return RestError(500, "PGRSTX00", "Internal error in the REST stand-in").response()

    def profile(self, request: Request) -> None:
        header = "accept-profile" if request.method in ("GET", "HEAD") else "content-profile"
        wanted = request.headers.get(header)
        if wanted and wanted != EXPOSED_SCHEMA:
            raise RestError(
                406,
                "PGRST106",
                f"Invalid schema: {wanted}",
                hint=f"Only the following schemas are exposed: {EXPOSED_SCHEMA}",
            )

    def claims(self, request: Request) -> tuple[dict[str, Any], bool]:
        try:
            claims = caller_claims(request, self.settings)
        except InvalidToken as exc:
            raise jwt_error(exc.reason, request_token(request)) from exc
        return claims, request_token(request) is not None and "role" in claims

    def query(self, request: Request) -> Query:
        try:
            return parse_query(list(request.query_params.multi_items()))
        except GrammarError as exc:
            raise grammar_error(exc.message, exc.details) from exc

    async def run(
        self,
        request: Request,
        path: str,
        read_only: bool,
        work: Callable[[AsyncConnection, SchemaCache], Awaitable[T]],
    ) -> T:
        """Run `work` in one transaction as the caller; database errors become PostgREST's."""
        claims, authed = self.claims(request)
        try:
            async with as_caller(
                database(request),
                claims,
                read_only=read_only,
                method=request.method,
                path=path,
                headers=dict(request.headers),
            ) as conn:
                cache = await self.schema.current(conn)
                return await work(conn, cache)
        except PoolTimeout as exc:
            raise RestError(
                504, "PGRST003", "Timed out acquiring connection from connection pool."
            ) from exc
        except pg_errors.Error as exc:
            if exc.sqlstate is None:
                raise RestError(
                    503, "PGRST000", "Database connection error. Retrying the connection."
                ) from exc
            raise from_postgres(exc, authed) from exc

    async def execute(self, conn: AsyncConnection, stmt: Statement) -> dict[str, Any]:
        cur = await conn.execute(stmt.query, stmt.params)
        if stmt.counted_by_rowcount:
            return {
                "total": None,
                "page": max(cur.rowcount, 0),
                "body": None,
                "guc_headers": None,
                "guc_status": None,
            }
        row = await cur.fetchone()
        assert row is not None
        total, page, body, guc_headers, guc_status = row
        return {
            "total": total,
            "page": page,
            "body": body,
            "guc_headers": guc_headers,
            "guc_status": guc_status,
        }

    def respond(
        self,
        request: Request,
        status: int,
        result: dict[str, Any],
        media: Media,
        headers: dict[str, str],
        with_body: bool,
    ) -> Response:
        headers = dict(headers)
        body = result.get("body") if with_body else None
        if result.get("guc_headers"):
            try:
                for item in json.loads(result["guc_headers"]):
                    for key, value in item.items():
                        headers[str(key)] = str(value)
            except (ValueError, AttributeError) as exc:
                raise RestError(
                    500,
                    "PGRST111",
                    "response.headers guc must be a JSON array "
                    "composed of objects with a single key and a string value",
                ) from exc
        if result.get("guc_status"):
            try:
                status = int(result["guc_status"])
            except ValueError as exc:
                raise RestError(
                    500, "PGRST112", "response.status guc must be a valid status code"
                ) from exc
        if body is None or status == 204:
            return Response(None, status_code=status, headers=headers)
        headers["Content-Profile"] = EXPOSED_SCHEMA
        if media.kind == "csv":
            body = to_csv(body)
        if request.method == "HEAD":
            return Response(
                None, status_code=status, headers=headers, media_type=media.content_type
            )
        return Response(body, status_code=status, headers=headers, media_type=media.content_type)

    # -- endpoints ----------------------------------------------------------------------

    async def root(self, request: Request) -> Response:
        """A small OpenAPI description of the exposed tables and functions."""

        async def work(conn: AsyncConnection, cache: SchemaCache) -> Response:
            return Response(
                json.dumps(openapi(cache, self.settings)),
                media_type="application/openapi+json; charset=utf-8",
            )

        return await self.run(request, "/", True, work)

    async def resource(self, request: Request, name: str) -> Response:
        """GET/HEAD/POST/PATCH/DELETE on a table or view."""
        self.profile(request)
        media = negotiate(request.headers.get("accept"))
        prefs = parse_prefer(request)
        query = self.query(request)
        method = request.method
        payload: Any = None
        if method in ("POST", "PATCH", "PUT"):
            payload = await read_json(request)
        read_only = method in ("GET", "HEAD")

        async def work(conn: AsyncConnection, cache: SchemaCache) -> Response:
            table = cache.tables.get(name)
            if table is None:
                raise table_not_found(cache.schema, name, cache.tables)
            call = TableCall(request, conn, cache, table, query, media, prefs)
            if read_only:
                return await self.read(call)
            if method == "POST":
                return await self.insert(call, payload)
            if method == "PATCH":
                return await self.update(call, payload)
            if method == "DELETE":
                return await self.delete(call)
            raise RestError(405, "PGRST117", f"Unsupported HTTP method: {method}")

        return await self.run(request, f"/{name}", read_only, work)

    async def read(self, call: TableCall) -> Response:
        limit, offset = root_range(call.request, call.query, self.max_rows)
        count = call.prefs.get("count")
        planned: int | None = None
        if count in ("planned", "estimated"):
            source = call.builder().count_source(call.table)
            planned = await self.planned_count(call.conn, source)
        exact = count == "exact" or (count == "estimated" and (planned or 0) <= self.max_rows)
        stmt = call.builder().read(call.table, limit, offset, call.media.sql_body(), exact)
        result = await self.execute(call.conn, stmt)
        total = result["total"] if exact else planned
        if call.media.kind == "object" and result["page"] != 1:
            raise singular(result["page"])
        status = range_status(offset, result["page"], total)
        if status == 416:
            raise range_not_satisfiable(
                f"An offset of {offset} was requested, but there are only {total} rows.",
                headers={"Content-Range": f"*/{total}"},
            )
        headers = {
            "Content-Range": content_range(offset, result["page"], total),
            **applied(call.prefs, "count"),
        }
        return self.respond(call.request, status, result, call.media, headers, with_body=True)

    async def planned_count(self, conn: AsyncConnection, stmt: Statement) -> int:
        explain = sql.SQL("EXPLAIN (FORMAT JSON) {}").format(stmt.query)
        cur = await conn.execute(explain, stmt.params)
        row = await cur.fetchone()
        plan = row[0] if row else None
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"]) if plan else 0

    async def insert(self, call: TableCall, payload: Any) -> Response:
        rows = payload if isinstance(payload, list) else [payload]
        if not all(isinstance(row, dict) for row in rows):
            raise invalid_body()
        if call.query.columns is not None:
            columns = list(call.query.columns)
        else:
            columns = list(rows[0]) if rows else []
            if any(set(row) != set(columns) for row in rows):
                raise invalid_body("All object keys must match")
        prefs, media = call.prefs, call.media
        ret = prefs.get("return", "minimal")
        returning = ret in ("representation", "headers-only") or media.kind == "object"
        resolution = prefs.get("resolution")
        if resolution not in ("merge-duplicates", "ignore-duplicates"):
            resolution = None
        statements = call.builder().insert(
            call.table,
            rows,
            columns,
            resolution=resolution,
            missing_default=prefs.get("missing") == "default",
            returning=returning,
            body=media.sql_body(),
        )
        result: dict[str, Any] = {"page": 0, "body": None}
        for stmt in statements:
            part = await self.execute(call.conn, stmt)
            result = {**part, "page": result["page"] + part["page"]}
        if media.kind == "object" and result["page"] != 1:
            raise singular(result["page"])
        headers = {
            "Content-Range": content_range(1, 0, result["page"] if "count" in prefs else None),
            **applied(prefs, "return", "count", "resolution", "missing"),
        }
        if ret == "headers-only" and result.get("body"):
            location = _location(call.table, result["body"])
            if location:
                headers["Location"] = location
        with_body = ret == "representation"
        return self.respond(call.request, 201, result, media, headers, with_body=with_body)

    async def update(self, call: TableCall, payload: Any) -> Response:
        if not isinstance(payload, dict):
            raise invalid_body()
        query = call.query
        columns = list(query.columns) if query.columns is not None else list(payload)
        if not columns:
            result: dict[str, Any] = {"page": 0, "body": "[]", "total": None}
        else:
            stmt = call.builder().update(
                call.table, payload, columns, returning=_returning(call), body=call.media.sql_body()
            )
            result = await self.execute(call.conn, stmt)
        return self.mutation_response(call, result, lower=0)

    async def delete(self, call: TableCall) -> Response:
        stmt = call.builder().delete(
            call.table, returning=_returning(call), body=call.media.sql_body()
        )
        result = await self.execute(call.conn, stmt)
        return self.mutation_response(call, result, lower=1)

    def mutation_response(self, call: TableCall, result: dict[str, Any], lower: int) -> Response:
        page = result["page"]
        if call.media.kind == "object" and page != 1:
            raise singular(page)
        total = page if "count" in call.prefs else None
        upper_page = page if lower == 0 else 0
        headers = {
            "Content-Range": content_range(lower, upper_page, total),
            **applied(call.prefs, "return", "count"),
        }
        if call.prefs.get("return") == "representation":
            return self.respond(call.request, 200, result, call.media, headers, with_body=True)
        return self.respond(call.request, 204, {"body": None}, call.media, headers, with_body=False)

    async def rpc(self, request: Request, name: str) -> Response:
        """`/rpc/<fn>`: POST with named JSON arguments, GET/HEAD with query-string arguments."""
        self.profile(request)
        media = negotiate(request.headers.get("accept"))
        prefs = parse_prefer(request)
        query = self.query(request)
        if request.method == "POST":
            payload = await read_json(request, empty={})
        elif request.method in ("GET", "HEAD"):
            payload = _query_args(query)
        else:
            raise RestError(405, "PGRST101", f"Cannot use the {request.method} method on RPC")
        if not isinstance(payload, dict):
            raise invalid_body()
        is_post = request.method == "POST"

        async def work(conn: AsyncConnection, cache: SchemaCache) -> Response:
            fn = find_function(cache, name, payload, is_post)
            limit, offset = root_range(request, query, self.max_rows)
            count = prefs.get("count") == "exact"
            stmt = Builder(cache, query).call(fn, payload, limit, offset, media.sql_body(), count)
            result = await self.execute(conn, stmt)
            if fn.returns_void:
                return self.respond(
                    request, 204, {"body": None}, media, applied(prefs, "count"), with_body=False
                )
            if media.kind == "object" and fn.returns_set and result["page"] != 1:
                raise singular(result["page"])
            total = result["total"] if count else None
            status = range_status(offset, result["page"], total)
            headers = {
                "Content-Range": content_range(offset, result["page"], total),
                **applied(prefs, "count"),
            }
            return self.respond(request, status, result, media, headers, with_body=True)

        # GET/HEAD run read-only, so a volatile function that writes fails as in PostgREST (405)
        return await self.run(request, f"/rpc/{name}", not is_post, work)


def _returning(call: TableCall) -> bool:
    """PATCH and DELETE return rows for `return=representation` or a singular Accept."""
    return call.prefs.get("return", "minimal") == "representation" or call.media.kind == "object"


def _query_args(query: Query) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for key, value in query.params:
        if key in args:
            previous = args[key]
            args[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            args[key] = value
    return args


def find_function(cache: SchemaCache, name: str, args: dict[str, Any], is_post: bool) -> Function:
    """The function `/rpc/<name>` means for these argument names, or 404 PGRST202."""
    keys = set(args)
    candidates = cache.functions.get(name, [])
    matches = [
        fn
        for fn in candidates
        if fn.required <= keys <= {a.name for a in fn.arguments}
        and all(a.name for a in fn.arguments)
    ]
    if len(matches) > 1:
        exact = [fn for fn in matches if len(fn.arguments) == len(keys)]
        matches = exact or matches[:1]
    if matches:
        return matches[0]
    listed = ", ".join(sorted(keys))
    signature = f"({listed})" if keys else " without parameters"
    if keys:
        plural = "s" if len(keys) > 1 else ""
        searched = f" with parameter{plural} {listed}"
    else:
        searched = " without parameters"
    if is_post:
        searched += " or with a single unnamed json/jsonb parameter"
    if candidates:
        params = [f"({', '.join(sorted(a.name for a in fn.arguments))})" for fn in candidates]
        close = suggestion(f"({listed})", params) or params[0]
        hint = f"Perhaps you meant to call the function {cache.schema}.{name}{close}"
    else:
        close = suggestion(name, cache.functions)
        hint = f"Perhaps you meant to call the function {cache.schema}.{close}" if close else None
    raise RestError(
        404,
        "PGRST202",
        f"Could not find the function {cache.schema}.{name}{signature} in the schema cache",
        details=f"Searched for the function {cache.schema}.{name}{searched}, but no matches "
        "were found in the schema cache.",
        hint=hint,
    )


async def read_json(request: Request, empty: Any = None) -> Any:
    """The request body as JSON, or 400 PGRST102."""
    raw = await request.body()
    if not raw.strip():
        if empty is not None:
            return empty
        raise invalid_body()
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise invalid_body() from exc


def _location(table: Table, body: str) -> str | None:
    try:
        rows = json.loads(body)
    except ValueError:
        return None
    row = rows[0] if isinstance(rows, list) and rows else rows
    if not isinstance(row, dict) or not table.primary_key:
        return None
    from urllib.parse import quote

    parts = [f"{quote(k)}=eq.{quote(str(row.get(k)))}" for k in table.primary_key]
    return f"/{table.name}?{'&'.join(parts)}"


def to_csv(body: str) -> str:
    """A JSON array of objects as CSV with a header row, as PostgREST's text/csv."""
    rows = json.loads(body)
    if isinstance(rows, dict):
        rows = [rows]
    out = io.StringIO()
    if rows:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow(
                [
                    "" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else v)
                    for v in row.values()
                ]
            )
    return out.getvalue().rstrip("\n")


def openapi(cache: SchemaCache, settings: StackSettings) -> dict[str, Any]:
    """A minimal Swagger 2.0 document listing tables, views and functions, like PostgREST's."""
    definitions = {
        t.name: {
            "type": "object",
            "required": [c.name for c in t.columns.values() if c.not_null and not c.has_default],
            "properties": {c.name: {"format": c.type} for c in t.columns.values()},
        }
        for t in cache.tables.values()
    }
    paths: dict[str, Any] = {"/": {}}
    paths.update({f"/{t}": {} for t in cache.tables})
    paths.update({f"/rpc/{f}": {} for f in cache.functions})
    return {
        "swagger": "2.0",
        "info": {"title": "PostgREST API (stand-in)", "version": "12"},
        "host": settings.public_url.split("://", 1)[-1],
        "basePath": "/rest/v1",
        "paths": paths,
        "definitions": definitions,
    }


def routes(settings: StackSettings) -> list[BaseRoute]:
    """The `/rest/v1` routes of one project."""
    surface = RestSurface(settings)

    async def root(request: Request) -> Response:
        return await surface.handle(request, "root")

    async def rpc(request: Request) -> Response:
        return await surface.handle(request, "rpc")

    async def resource(request: Request) -> Response:
        return await surface.handle(request, "resource")

    return [
        Route("/", root, methods=["GET", "HEAD"]),
        Route("/rpc/{name}", rpc, methods=ALL_METHODS),
        Route("/{name}", resource, methods=ALL_METHODS),
    ]
