"""storage-parity's comparison of old and new (postmigration.storage), on mock Storage servers.

Proves: the bytes are compared by their own sha256, whatever ETag each side sends (equal
ETags over different bytes still differ; a side without an ETag is still compared); the
served content-type is compared; a failed download on either side is named; listings differ
by name, size and content-type, one line per object; a differing or missing recorded hash
(eTag) flags an object for download, never fails it alone; what is downloaded is a random
sample of each bucket (different between runs) plus every flagged object, each once.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from postmigration.storage import (
    StoredObject,
    byte_differences,
    listing_differences,
)
from postmigration.storage_parity import (
    MAX_FLAGGED,
    MetadataComparison,
    compare_listings,
    flagged_names,
    sample_of_listings,
    to_download,
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
        "c/gone.png: new holds it, but its download from new answered 400 Object not found",
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


def test_objects_differ_by_owner_when_the_databases_give_it() -> None:
    """An object copied with the service key is owned by no one on new: named; listings give
    no owner on either side, so they never differ by it."""
    uid = "6f1c2b7e-0000-4000-8000-000000000001"
    old = {
        "u1/a.png": StoredObject("u1/a.png", 10, "image/png", owner=uid),
        "u1/b.png": StoredObject("u1/b.png", 10, "image/png", owner=uid),
        "u1/c.png": StoredObject("u1/c.png", 10, "image/png"),
    }
    new = {
        "u1/a.png": StoredObject("u1/a.png", 10, "image/png"),
        "u1/b.png": StoredObject("u1/b.png", 10, "image/png", owner=uid),
        "u1/c.png": StoredObject("u1/c.png", 10, "image/png"),
    }
    assert listing_differences("avatars", new, old) == [
        f"avatars/u1/a.png: owned by no one on new but by user {uid} on old"
    ]


def test_a_differing_or_missing_recorded_hash_flags_without_failing() -> None:
    def one(size: int, mimetype: str, etag: str | None) -> StoredObject:
        return StoredObject("x", size, mimetype, etag)

    old = {"same": one(1, "a/b", '"e"'), "etag": one(1, "a/b", '"e"'), "none": one(1, "a/b", '"e"')}
    old |= {"type": one(1, "a/b", '"e"'), "only-old": one(1, "a/b", '"e"')}
    new = {"same": one(1, "a/b", '"e"'), "etag": one(1, "a/b", '"f"'), "none": one(1, "a/b", None)}
    new |= {"type": one(1, "c/d", '"e"')}
    assert flagged_names(new, old) == ["etag", "none", "type"]
    compared = compare_listings({"b": new}, {"b": old}, ["b"])
    assert compared.counts == {"b": (5, 4)}
    assert compared.flagged == [("b", "etag"), ("b", "none"), ("b", "type")]
    assert compared.problems == [
        "b/only-old is missing on new",
        "b/type: content-type is c/d on new but a/b on old",
    ]
    assert MetadataComparison.from_wire(compared.to_wire()) == compared


def test_a_random_sample_of_each_bucket_and_every_flagged_object_are_downloaded() -> None:
    one = StoredObject("a", 1, None)
    old = {"b1": {f"o{n}": one for n in range(200)}, "b2": {"c": one, "d": one}}
    new = {"b1": {f"o{n}": one for n in range(1, 201)}, "b2": {"c": one}}
    samples = [sample_of_listings(new, old, ["b1", "b2", "b3"], 5) for _ in range(3)]
    for sample in samples:
        assert len(sample) == 6 and ("b2", "c") in sample
        assert all(b == "b2" or (n in old[b] and n in new[b]) for b, n in sample)
    assert len({tuple(s) for s in samples}) > 1, "the same sample three times"
    chosen = to_download(samples[0], [("b2", "c"), ("b1", "flagged")])
    assert ("b1", "flagged") in chosen and len(chosen) == len(set(chosen)) == 7
    many = [("b", f"{n:05d}") for n in range(MAX_FLAGGED + 5)]
    assert to_download([], many) == many[:MAX_FLAGGED]
