"""A browser context's network log, as a failing browser test shows it: what each request got,
with no query value, fragment or token-like path segment in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from postmigration.network_log import NetworkLog, shown_path


@dataclass
class _Request:
    method: str
    url: str
    failure: str | None = None


@dataclass
class _Response:
    status: int
    url: str
    request: _Request


@dataclass
class _Context:
    listeners: dict[str, Any] = field(default_factory=dict)

    def on(self, event: str, listener: Any) -> None:
        self.listeners[event] = listener


def _answer(context: _Context, method: str, status: int, url: str) -> None:
    context.listeners["response"](_Response(status, url, _Request(method, url)))


def test_the_log_says_what_each_request_got_in_order_and_counts_the_errors() -> None:
    context = _Context()
    log = NetworkLog().record(context)
    _answer(context, "GET", 200, "https://app.example.com/profile")
    _answer(context, "POST", 403, "https://api.example.com/storage/v1/object/avatars/a.png")
    context.listeners["requestfailed"](
        _Request("GET", "https://old.example.com/logo.png", "net::ERR_NAME_NOT_RESOLVED")
    )
    assert log.text().splitlines() == [
        "3 request(s), 2 failed or answered 4xx/5xx",
        "GET 200 https://app.example.com/profile",
        "POST 403 https://api.example.com/storage/v1/object/avatars/a.png",
        "GET failed (net::ERR_NAME_NOT_RESOLVED) https://old.example.com/logo.png",
    ]


def test_urls_lose_query_values_fragments_and_token_like_segments_but_keep_ids() -> None:
    user = "0eb9aef9-9911-4d27-a548-1b0ab3d16707"
    assert (
        shown_path(f"https://api.example.com/rest/v1/profiles?select=*&id=eq.{user}#top")
        == "https://api.example.com/rest/v1/profiles?select=…&id=…"
    )
    assert (
        shown_path("https://app.example.com/invites/9f8e7d6c5b4a39281706f5e4d3c2b1a0")
        == "https://app.example.com/invites/[hidden]"
    )
    kept = f"https://api.example.com/storage/v1/object/public/avatars/{user}/avatar-17.png"
    assert shown_path(kept) == kept
    assert shown_path("data:image/png;base64,iVBORw0KGgo") == "data:…"
    assert shown_path("blob:https://app.example.com/5d1c") == "blob:…"


def test_a_long_log_keeps_its_first_and_last_requests_and_says_how_many_it_left_out() -> None:
    context = _Context()
    log = NetworkLog().record(context)
    for number in range(400):
        _answer(context, "GET", 200, f"https://app.example.com/poll/{number}")
    lines = log.text().splitlines()
    assert lines[0] == "400 request(s), 0 failed or answered 4xx/5xx"
    assert lines[1].endswith("/poll/0") and lines[150].endswith("/poll/149")
    assert lines[151] == "… 100 request(s) in between not shown"
    assert lines[152].endswith("/poll/250") and lines[-1].endswith("/poll/399")
