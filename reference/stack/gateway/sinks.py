"""Provider sinks: a Resend-compatible email API and a WhatsApp Cloud API-compatible endpoint.

They speak the providers' own request, response and error shapes, so the edge functions send
to them unchanged and the suite reads them back with the code it uses against the real
providers. What they receive is kept in memory for reads and appended to
`<state>/sinks/{resend,whatsapp}.jsonl`, so a restarted stack still has it.

    POST /sinks/resend/emails                        -> {"id"}
    GET  /sinks/resend/emails/{id}                   -> {"object": "email", ...}
    GET  /sinks/resend/emails?limit=&after=&before=  -> {"object": "list", "has_more", "data"}
    POST /sinks/whatsapp[/{version}]/{phone_number_id}/messages
         -> {"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id"}]}
    GET  /sinks/whatsapp[/{version}]/{phone_number_id}/messages  -> {"data": [...]} (sink only)
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from ..settings import StackSettings
from .rate_limit import RequestsPerSecond

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_NAMED_EMAIL = re.compile(r"^[^<>]*<\s*([^@\s<>]+@[^@\s<>]+\.[^@\s<>]+)\s*>$")
_ADDRESS_FORMAT = "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."  # noqa: E501
_EMAIL_SUMMARY_KEYS = (
    "object", "id", "to", "from", "created_at", "subject",
    "bcc", "cc", "reply_to", "last_event", "scheduled_at",
)  # fmt: skip


class JsonlStore:
    """Records kept in memory, each also appended as one JSON line to `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: list[dict[str, Any]] = []
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    self.records.append(json.loads(line))

    def add(self, record: dict[str, Any]) -> None:
        """Keep `record` and append it to the file at once (the file survives a restart)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a") as out:
            out.write(json.dumps(record) + "\n")
        self.records.append(record)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


# ---------------------------------------------------------------- Resend


def _resend_error(status: int, name: str, message: str) -> JSONResponse:
    return JSONResponse({"statusCode": status, "message": message, "name": name}, status)


def _addresses(value: Any) -> list[str] | None:
    """A Resend address field (a string or a list of strings) as a list; None when invalid."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return None
    if not all(_EMAIL.match(i.strip()) or _NAMED_EMAIL.match(i.strip()) for i in items):
        return None
    return [i.strip() for i in items]


class ResendSink:
    """`POST /emails`, `GET /emails/{id}`, `GET /emails` as Resend answers them, within the
    team's rate limit (`rate_limit` requests per second, sends and reads alike; 0: none)."""

    def __init__(self, store: JsonlStore, api_key: str, rate_limit: int = 0) -> None:
        self.store = store
        self.api_key = api_key
        self.budget = RequestsPerSecond(rate_limit) if rate_limit else None

    def _refused(self, request: Request) -> JSONResponse | None:
        token = _bearer(request)
        if token is None:
            return _resend_error(
                401,
                "missing_api_key",
                "Missing API key in the authorization header. Include the following header "
                "Authorization: Bearer YOUR_API_KEY in the request.",
            )
        if not secrets.compare_digest(token, self.api_key):
            return _resend_error(403, "invalid_api_key", "API key is invalid")
        return None

    def _counted(
        self, handler: Callable[[Request], Awaitable[JSONResponse]]
    ) -> Callable[[Request], Awaitable[JSONResponse]]:
        """`handler` behind the API key and the team's rate limit, whose headers every
        answer to a known key carries."""

        async def answer(request: Request) -> JSONResponse:
            if refused := self._refused(request):
                return refused
            if self.budget is None:
                return await handler(request)
            allowed, headers = self.budget.take()
            if allowed:
                response = await handler(request)
            else:
                response = _resend_error(
                    429,
                    "rate_limit_exceeded",
                    f"Too many requests. You can only make {self.budget.limit} requests per "
                    "second. See rate limit response headers for more information. Or contact "
                    "support to increase rate limit.",
                )
            response.headers.update(headers)
            return response

        return answer

    async def send(self, request: Request) -> JSONResponse:
        """Accept one email like Resend's `POST /emails`: validate, store, answer `{"id"}`."""
        body = await _json_object(request)
        if body is None:
            return _resend_error(422, "validation_error", "The request body must be a JSON object.")
        for field in ("from", "to", "subject"):
            if body.get(field) in (None, "", []):
                return _resend_error(422, "missing_required_field", f"Missing `{field}` field.")
        sender = body["from"]
        if not isinstance(sender, str) or _addresses(sender) is None:
            return _resend_error(
                422, "invalid_from_address", f"Invalid `from` field. {_ADDRESS_FORMAT}"
            )
        recipients: dict[str, list[str] | None] = {}
        for field in ("to", "cc", "bcc", "reply_to"):
            if body.get(field) is None:
                recipients[field] = None
                continue
            parsed = _addresses(body[field])
            if parsed is None:
                return _resend_error(
                    422, "validation_error", f"Invalid `{field}` field. {_ADDRESS_FORMAT}"
                )  # noqa: E501
            recipients[field] = parsed
        if len(recipients["to"] or []) > 50:
            return _resend_error(
                422, "validation_error", "Too many recipients in the `to` field: at most 50."
            )  # noqa: E501
        if not any(body.get(k) for k in ("html", "text", "react", "template")):
            return _resend_error(422, "validation_error", "Missing `html` or `text` field.")
        record = {
            "object": "email",
            "id": str(uuid.uuid4()),
            "to": recipients["to"],
            "from": sender,
            "created_at": _now_iso(),
            "subject": body["subject"],
            "html": body.get("html"),
            "text": body.get("text"),
            "bcc": recipients["bcc"],
            "cc": recipients["cc"],
            "reply_to": recipients["reply_to"],
            "last_event": "delivered",
            "scheduled_at": body.get("scheduled_at"),
            "tags": body.get("tags"),
        }
        self.store.add(record)
        return JSONResponse({"id": record["id"]})

    async def get(self, request: Request) -> JSONResponse:
        """One email by id, as Resend's `GET /emails/{id}`."""
        email_id = request.path_params["email_id"]
        for record in self.store.records:
            if record["id"] == email_id:
                return JSONResponse(record)
        return _resend_error(404, "not_found", "Email not found")

    async def list(self, request: Request) -> JSONResponse:
        """Emails newest first, as Resend's `GET /emails` (limit 1..100, after/before cursors)."""
        params = request.query_params
        try:
            limit = int(params.get("limit", "20"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return _resend_error(
                422, "validation_error", "The `limit` parameter must be between 1 and 100."
            )
        newest_first = list(reversed(self.store.records))
        ids = [record["id"] for record in newest_first]
        if "after" in params and "before" in params:
            return _resend_error(
                422, "validation_error", "Use either `after` or `before`, not both."
            )
        if "after" in params or "before" in params:
            cursor = params.get("after") or params.get("before")
            if cursor not in ids:
                return _resend_error(404, "not_found", "Email not found")
            at = ids.index(cursor)
            if "after" in params:
                window = newest_first[at + 1 :]
                page, has_more = window[:limit], len(window) > limit
            else:
                window = newest_first[:at]
                page, has_more = window[-limit:], len(window) > limit
        else:
            page, has_more = newest_first[:limit], len(newest_first) > limit
        data = [{k: record.get(k) for k in _EMAIL_SUMMARY_KEYS} for record in page]
        return JSONResponse({"object": "list", "has_more": has_more, "data": data})

    def routes(self) -> list[BaseRoute]:
        """The Resend API's routes (relative to the sink's mount point)."""
        return [
            Route("/emails", self._counted(self.send), methods=["POST"]),
            Route("/emails", self._counted(self.list), methods=["GET"]),
            Route("/emails/{email_id}", self._counted(self.get), methods=["GET"]),
        ]


# ---------------------------------------------------------------- WhatsApp Cloud API


def _graph_error(
    status: int, message: str, type_: str, code: int, subcode: int | None = None
) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
    return JSONResponse({"error": error}, status)


def _wamid() -> str:
    return "wamid." + base64.b64encode(b"\x15\x02" + secrets.token_bytes(30)).decode()


class WhatsAppSink:
    """`POST /{phone_number_id}/messages` as the WhatsApp Cloud API answers it, plus a read-back."""

    def __init__(self, store: JsonlStore, token: str, phone_number_id: str | None) -> None:
        self.store = store
        self.token = token
        self.phone_number_id = phone_number_id

    def _refused(self, request: Request) -> JSONResponse | None:
        token = _bearer(request)
        if token is None or not secrets.compare_digest(token, self.token):
            return _graph_error(
                401, "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190
            )
        phone_number_id = request.path_params["phone_number_id"]
        if self.phone_number_id is not None and phone_number_id != self.phone_number_id:
            return _graph_error(
                400,
                f"Unsupported {request.method.lower()} request. Object with ID "
                f"'{phone_number_id}' does not exist, cannot be loaded due to missing "
                "permissions, or does not support this operation. Please read the Graph API "
                "documentation at https://developers.facebook.com/docs/graph-api",
                "GraphMethodException",
                100,
                33,
            )
        return None

    async def send(self, request: Request) -> JSONResponse:
        """Accept one message: validate, store, answer with its `wamid.` id."""
        if refused := self._refused(request):
            return refused
        body = await _json_object(request)

        def required(param: str) -> JSONResponse:
            return _graph_error(
                400, f"(#100) The parameter {param} is required.", "OAuthException", 100
            )

        if body is None:
            return required("messaging_product")
        if body.get("messaging_product") != "whatsapp":
            return required("messaging_product")
        to = body.get("to")
        if not isinstance(to, str) or not re.sub(r"\D", "", to):
            return required("to")
        kind = body.get("type", "text")
        if kind == "text":
            text = body.get("text")
            if not isinstance(text, dict) or not str(text.get("body") or "").strip():
                return required("text['body']")
        elif not isinstance(body.get(kind), dict):
            return required(str(kind))
        wa_id = re.sub(r"\D", "", to)
        record = {
            **body,
            "type": kind,
            "id": _wamid(),
            "wa_id": wa_id,
            "phone_number_id": request.path_params["phone_number_id"],
            "timestamp": str(int(time.time())),
            "created_at": _now_iso(),
            "status": "sent",
        }
        self.store.add(record)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": wa_id}],
                "messages": [{"id": record["id"]}],
            }
        )

    async def read_back(self, request: Request) -> JSONResponse:
        """The messages sent from this phone number id, newest first; `?to=` filters by number."""
        if refused := self._refused(request):
            return refused
        phone_number_id = request.path_params["phone_number_id"]
        to = re.sub(r"\D", "", request.query_params.get("to", ""))
        data = [
            record
            for record in reversed(self.store.records)
            if record["phone_number_id"] == phone_number_id and (not to or record["wa_id"] == to)
        ]
        return JSONResponse({"data": data})

    def routes(self) -> list[BaseRoute]:
        """The Cloud API's routes, with or without the Graph version segment."""
        return [
            Route(path, endpoint, methods=[method])
            for path in ("/{phone_number_id}/messages", "/{version}/{phone_number_id}/messages")
            for endpoint, method in ((self.send, "POST"), (self.read_back, "GET"))
        ]


def _whatsapp_phone_number_id(settings: StackSettings) -> str | None:
    # The stack's own phone number id lives in functions.env's defaults (secrets.json).
    explicit = getattr(settings, "whatsapp_phone_number_id", None)
    if explicit:
        return str(explicit)
    path = Path(settings.state_dir) / "secrets.json"
    if path.exists():
        value = json.loads(path.read_text()).get("whatsapp_phone_number_id")
        return str(value) if value else None
    return None


def sink_routes(
    sinks_dir: Path,
    resend_api_key: str,
    whatsapp_token: str,
    whatsapp_phone_number_id: str | None,
    resend_rate_limit: int = 0,
) -> list[BaseRoute]:
    """Routes of both sinks, storing to `sinks_dir` (mount them at `/sinks`); Resend's within
    `resend_rate_limit` requests per second (0: none)."""
    resend = ResendSink(JsonlStore(sinks_dir / "resend.jsonl"), resend_api_key, resend_rate_limit)
    whatsapp = WhatsAppSink(
        JsonlStore(sinks_dir / "whatsapp.jsonl"), whatsapp_token, whatsapp_phone_number_id
    )
    return [
        Mount("/resend", routes=resend.routes()),
        Mount("/whatsapp", routes=whatsapp.routes()),
    ]


def routes(settings: StackSettings) -> list[BaseRoute]:
    """The gateway's `/sinks` routes for this stack, keyed with the stack's provider secrets."""
    return sink_routes(
        Path(settings.state_dir) / "sinks",
        settings.resend_api_key,
        settings.whatsapp_token,
        _whatsapp_phone_number_id(settings),
        settings.resend_rate_limit,
    )
