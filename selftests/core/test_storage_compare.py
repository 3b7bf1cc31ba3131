"""storage-parity's comparison of old and new (postmigration.storage), on mock Storage servers.

Proves: the bytes are compared by their own sha256, whatever ETag each side sends (equal
ETags over different bytes still differ; a side without an ETag is still compared); the
served content-type is compared; a failed download on either side is named; listings differ
by name, size and content-type, one line per object; every object both sides list is
downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from postmigration.storage import (
    StoredObject,
    byte_differences,
    listing_differences,
    objects_to_download,
)


def _server(objects: Mapping[str, tuple[bytes, str, str | None]]) -> httpx.Client:
    """A Storage API serving `objects` (path -> bytes, content-type, ETag or None)."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/storage/v1/object/authenticated/")
        if path not in objects:
            body = {"statusCode": "404", "error": "not_found", "message": "Object not found"}
            return httpx.Response(400, json=body)
        data, content_type, etag = objects[path]
        headers = {"content-type": content_type} | ({"etag": etag} if etag else {})
        return httpx.Response(200, content=data, headers=headers)

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="https://x/storage/v1")


def test_same_etag_over_different_bytes_still_differs() -> None:
    old = _server({"avatars/x.png": (b"old bytes", "image/png", '"same"')})
    new = _server({"avatars/x.png": (b"new bytes", "image/png", '"same"')})
    (problem,) = byte_differences(new, old, [("avatars", "x.png")])
    assert problem.startswith("avatars/x.png: bytes differ from old (sha256 "), problem


def test_a_side_without_etag_is_still_compared() -> None:
    old = _server({"a/b.png": (b"same", "image/png", '"e1"')})
    new = _server({"a/b.png": (b"same", "image/png", None)})
    assert byte_differences(new, old, [("a", "b.png")]) == []
    other = _server({"a/b.png": (b"diff", "image/png", None)})
    assert len(byte_differences(other, old, [("a", "b.png")])) == 1


def test_served_content_type_and_failed_downloads_are_named() -> None:
    old = _server(
        {"c/u1/a.png": (b"png", "image/png", None), "c/gone.png": (b"x", "image/png", None)}
    )
    new = _server({"c/u1/a.png": (b"png", "application/octet-stream", None)})
    problems = byte_differences(new, old, [("c", "u1/a.png"), ("c", "gone.png")])
    assert problems == [
        "c/u1/a.png: served as application/octet-stream on new but image/png on old",
        "c/gone.png is listed on new but its download answered 400 Object not found",
    ]


def test_listings_differ_by_name_size_and_content_type() -> None:
    old = {
        "u1/a.png": StoredObject("u1/a.png", 10, "image/png"),
        "u1/b.png": StoredObject("u1/b.png", 10, "image/png"),
        "u1/c.png": StoredObject("u1/c.png", 10, "image/png"),
    }
    new = {
        "u1/a.png": StoredObject("u1/a.png", 10, "application/octet-stream"),
        "u1/b.png": StoredObject("u1/b.png", 9, "image/png"),
        "u1/d.png": StoredObject("u1/d.png", 10, "image/png"),
    }
    assert listing_differences("chat-images", new, old) == [
        "chat-images/u1/c.png is missing on new",
        "chat-images/u1/d.png is on new but not on old",
        "chat-images/u1/a.png: content-type is application/octet-stream on new but image/png on old",
        "chat-images/u1/b.png: 9 bytes on new but 10 on old",
    ]


def test_every_object_both_sides_list_is_downloaded() -> None:
    one = StoredObject("a", 1, None)
    old = {"b1": {"a": one, "b": one}, "b2": {"c": one}}
    new = {"b1": {"a": one, "b": one, "z": one}, "b3": {"c": one}}
    assert objects_to_download(new, old) == [("b1", "a"), ("b1", "b")]
