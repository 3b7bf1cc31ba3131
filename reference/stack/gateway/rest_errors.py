"""PostgREST's error responses: `{code, details, hint, message}` and its status for each code.

`RestError` is what the REST surface raises for PostgREST's own errors (PGRSTxxx);
`from_postgres` turns a database error into the same shape with PostgREST's status mapping.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

from psycopg import errors as pg_errors
from starlette.responses import Response


class RestError(Exception):
    """An error PostgREST answers itself: HTTP status, code, message, details, hint."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        hint: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.hint = hint
        self.headers = headers or {}

    def response(self) -> Response:
        """The JSON response PostgREST sends for this error."""
        body = json.dumps(
            {
                "code": self.code,
                "details": self.details,
                "hint": self.hint,
                "message": self.message,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
        headers = {"Proxy-Status": f"PostgREST; error={self.code}", **self.headers}
        return Response(
            body,
            status_code=self.status,
            headers=headers,
            media_type="application/json; charset=utf-8",
        )


def suggestion(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate when it is similar enough, as PostgREST's fuzzy hints pick one."""
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def table_not_found(schema: str, name: str, tables: Iterable[str]) -> RestError:
    """404 PGRST205 for an unknown table or view."""
    close = suggestion(name, tables)
    return RestError(
        404,
        "PGRST205",
        f"Could not find the table '{schema}.{name}' in the schema cache",
        hint=f"Perhaps you meant the table '{schema}.{close}'" if close else None,
    )


def column_not_found(table: str, column: str) -> RestError:
    """400 PGRST204 for a payload key that is no column of the table."""
    return RestError(
        400, "PGRST204", f"Could not find the '{column}' column of '{table}' in the schema cache"
    )


def undefined_column(table: str, column: str, columns: Iterable[str]) -> RestError:
    """400 42703, as Postgres reports a selected, filtered or ordered column that doesn't exist."""
    close = suggestion(column, columns)
    return RestError(
        400,
        "42703",
        f"column {table}.{column} does not exist",
        hint=f'Perhaps you meant to reference the column "{table}.{close}".' if close else None,
    )


def grammar_error(message: str, details: str) -> RestError:
    """400 PGRST100 for a query parameter the parser rejects."""
    return RestError(400, "PGRST100", message, details=details)


def invalid_body(message: str = "Empty or invalid json") -> RestError:
    """400 PGRST102 for a request body that isn't the JSON PostgREST expects."""
    return RestError(400, "PGRST102", message)


def jwt_error(reason: str, token: str | None = None) -> RestError:
    """401 for a token PostgREST can't accept: PGRST303 when expired, else PGRST301."""
    parts = len(token.split(".")) if token else 3
    if reason == "expired":
        code, message = "PGRST303", "JWT expired"
    elif reason == "bad signature":
        code, message = "PGRST301", "JWT cryptographic operation failed"
    elif parts != 3:
        code, message = "PGRST301", f"Expected 3 parts in JWT; got {parts}"
    else:
        code, message = "PGRST301", "JWT couldn't be decoded"
    challenge = f'Bearer error="invalid_token", error_description="{message}"'
    return RestError(401, code, message, headers={"WWW-Authenticate": challenge})


def singular(rows: int) -> RestError:
    """406 PGRST116 when an object was requested but the result has 0 or several rows."""
    return RestError(
        406,
        "PGRST116",
        "Cannot coerce the result to a single JSON object",
        details=f"The result contains {rows} rows",
    )


def range_not_satisfiable(details: str, headers: dict[str, str] | None = None) -> RestError:
    """416 PGRST103 for a limit, Range header or offset no page can satisfy."""
    return RestError(416, "PGRST103", "Requested range not satisfiable", details, headers=headers)


def _status_for(sqlstate: str, message: str, authed: bool) -> int:
    exact = {
        "23503": 409,
        "23505": 409,
        "25006": 405,
        "P0001": 400,
        "42883": 404,
        "42P01": 404,
        "42P17": 500,
        "53400": 500,
        "57P01": 503,
    }
    if sqlstate == "42501":
        return 403 if authed else 401
    if sqlstate == "21000":
        return 400 if message.endswith("requires a WHERE clause") else 500
    if sqlstate == "22023":
        return 401 if message.startswith("role") and message.endswith("does not exist") else 400
    if sqlstate in exact:
        return exact[sqlstate]
    prefixes = {
        "08": 503,
        "09": 500,
        "0L": 403,
        "0P": 403,
        "25": 500,
        "28": 403,
        "2D": 500,
        "38": 500,
        "39": 500,
        "3B": 500,
        "40": 500,
        "53": 503,
        "54": 500,
        "55": 500,
        "57": 500,
        "58": 500,
        "F0": 500,
        "HV": 500,
        "P0": 500,
        "XX": 500,
    }
    if sqlstate[:2] == "PT" and sqlstate[2:].isdigit():
        return int(sqlstate[2:])
    return prefixes.get(sqlstate[:2], 400)


def from_postgres(exc: pg_errors.Error, authed: bool) -> RestError:
    """A database error as PostgREST reports it, including `RAISE SQLSTATE 'PGRST'` payloads."""
    diag = exc.diag
    sqlstate = exc.sqlstate or "XX000"
    message = diag.message_primary or str(exc)
    if sqlstate == "PGRST":
        custom = _raise_pgrst(message, diag.message_detail)
        if custom is not None:
            return custom
    status = _status_for(sqlstate, message, authed)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    return RestError(
        status,
        sqlstate,
        message,
        details=diag.message_detail,
        hint=diag.message_hint,
        headers=headers,
    )


def _raise_pgrst(message: str, detail: str | None) -> RestError | None:
    try:
        body = json.loads(message)
        extra = json.loads(detail or "")
        status = int(extra["status"])
        headers = {str(k): str(v) for k, v in (extra.get("headers") or {}).items()}
        return RestError(
            status,
            str(body["code"]),
            str(body["message"]),
            body.get("details"),
            body.get("hint"),
            headers,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
