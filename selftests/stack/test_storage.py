"""The stand-in's `/storage/v1` against the official client (supabase-py's storage3) and raw HTTP.

Proves: an upload comes back byte for byte with its content type from the public URL and its
row carries Supabase's metadata keys; private buckets stay private to anon on every route;
storage policies decide writes (a user cannot write into another user's avatar folder);
signed URLs work and tampered, foreign or expired ones don't; listing pages past 100 objects
with offset and shows folders with `id: null`; size limits, mime types, duplicates, upsert,
move, copy, Range requests and bucket administration behave as Supabase Storage does, with
its error shape (HTTP 400 and the real status in the body's `statusCode`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from storage3.exceptions import StorageApiError
from supabase import Client

from reference.stack import keys
from reference.stack.gateway.storage_disk import Disk, check_key, parse_range
from reference.stack.gateway.storage_errors import StorageError
from reference.stack.gateway.storage_upload import check_mime
from reference.stack.runner import StackProcess
from selftests.stack.conftest import METADATA_KEYS

ROOT = Path(__file__).resolve().parents[2]
AVATAR = (ROOT / "fixtures" / "avatar.png").read_bytes()


@pytest.fixture
def folder(service: Client) -> Iterator[str]:
    """A unique folder name; whatever the test left in `avatars/<folder>` is removed after."""
    name = f"selftest-{secrets.token_hex(4)}"
    yield name
    left = service.storage.from_("avatars").list(name, {"limit": 1000})
    if left:
        service.storage.from_("avatars").remove([f"{name}/{o['name']}" for o in left])


def storage_error(call: Any) -> StorageApiError:
    """Run `call`, expecting storage3 to raise StorageApiError; return it."""
    with pytest.raises(StorageApiError) as caught:
        call()
    return caught.value


def assert_storage_body(response: httpx.Response, status: str, error: str) -> dict[str, Any]:
    """Storage's error shape: HTTP 400, the real status in `statusCode`, and `error`/`message`."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["statusCode"] == status and body["error"] == error, body
    assert body["message"], body
    return body


def test_upload_then_public_url_returns_same_bytes_and_type(user: Any, service: Client) -> None:
    client, user_id, _ = user
    bucket = client.storage.from_("avatars")
    path = f"{user_id}/selftest-{secrets.token_hex(4)}.png"
    uploaded = bucket.upload(path, AVATAR, {"content-type": "image/png"})
    try:
        assert uploaded.full_path == f"avatars/{path}"
        public = httpx.get(bucket.get_public_url(path))
        assert public.status_code == 200
        assert public.content == AVATAR
        assert public.headers["content-type"] == "image/png"
        assert public.headers["cache-control"] == "max-age=3600"
        assert public.headers["content-length"] == str(len(AVATAR))
        listed = client.storage.from_("avatars").list(user_id, {"search": path.split("/")[1]})
        assert len(listed) == 1 and set(listed[0]["metadata"]) >= METADATA_KEYS
        assert listed[0]["metadata"]["size"] == len(AVATAR)
    finally:
        service.storage.from_("avatars").remove([path])
    gone = httpx.get(bucket.get_public_url(path))
    assert_storage_body(gone, "404", "not_found")


def test_deleting_the_avatar_a_profile_shows_clears_its_url(user: Any, service: Client) -> None:
    """The app's trigger on storage.objects (migration forget_deleted_avatars): removing an
    avatar the profile names clears the profile's avatar_url; removing another object of the
    same folder leaves it alone."""
    client, user_id, _ = user
    bucket = client.storage.from_("avatars")
    shown, other = (f"{user_id}/selftest-{secrets.token_hex(4)}.png" for _ in range(2))
    profiles = client.table("profiles")
    (before,) = profiles.select("avatar_url").eq("id", user_id).execute().data
    try:
        for path in (shown, other):
            bucket.upload(path, AVATAR, {"content-type": "image/png"})
        url = bucket.get_public_url(shown)
        profiles.update({"avatar_url": url}).eq("id", user_id).execute()
        bucket.remove([other])
        (kept,) = profiles.select("avatar_url").eq("id", user_id).execute().data
        assert kept["avatar_url"] == url, "removing another avatar object changed the profile"
        bucket.remove([shown])
        (after,) = profiles.select("avatar_url").eq("id", user_id).execute().data
        assert after["avatar_url"] is None, "the profile still names its deleted avatar"
    finally:
        service.storage.from_("avatars").remove([shown, other])
        service.table("profiles").update(before).eq("id", user_id).execute()


def test_raw_body_upload_keeps_content_type(
    supabase_url: str, service_role_key: str, service: Client, folder: str
) -> None:
    headers = {
        "authorization": f"Bearer {service_role_key}",
        "apikey": service_role_key,
        "content-type": "image/png",
        "cache-control": "max-age=60",
    }
    put = httpx.post(
        f"{supabase_url}/storage/v1/object/avatars/{folder}/raw.png",
        content=AVATAR,
        headers=headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["Key"] == f"avatars/{folder}/raw.png" and put.json()["Id"]
    got = httpx.get(f"{supabase_url}/storage/v1/object/public/avatars/{folder}/raw.png")
    assert got.content == AVATAR and got.headers["cache-control"] == "max-age=60"


def test_anon_cannot_read_chat_images(
    supabase_url: str, anon_key: str, user: Any, stack: StackProcess
) -> None:
    client, user_id, _ = user
    seeded = sorted(p.name for p in (stack.state_dir / "storage/chat-images" / user_id).iterdir())
    assert seeded, "the seed put no chat image under the user's folder"
    path = f"{user_id}/{seeded[0]}"
    # The owner reads it (so the refusals below are about the caller, not a missing file).
    assert client.storage.from_("chat-images").download(path)[:4] == b"\x89PNG"
    anon_headers = {"apikey": anon_key, "authorization": f"Bearer {anon_key}"}
    base = f"{supabase_url}/storage/v1/object"
    assert_storage_body(
        httpx.get(f"{base}/authenticated/chat-images/{path}", headers=anon_headers),
        "404",
        "not_found",
    )
    assert_storage_body(httpx.get(f"{base}/public/chat-images/{path}"), "404", "Bucket not found")
    assert_storage_body(httpx.get(f"{base}/chat-images/{path}"), "404", "Bucket not found")
    denied = httpx.post(
        f"{base}/sign/chat-images/{path}", json={"expiresIn": 60}, headers=anon_headers
    )
    assert_storage_body(denied, "404", "not_found")
    assert (
        httpx.post(
            f"{base}/list/chat-images", json={"prefix": user_id}, headers=anon_headers
        ).json()
        == []
    )


def test_user_cannot_write_into_another_users_avatar_folder(
    user: Any, admin: Any, stack: StackProcess
) -> None:
    client, _, _ = user
    _, admin_id, _ = admin
    path = f"{admin_id}/selftest-intruder.png"
    err = storage_error(
        lambda: client.storage.from_("avatars").upload(path, AVATAR, {"content-type": "image/png"})
    )
    assert str(err.status) == "403"
    assert err.message == "new row violates row-level security policy"
    # The refused upload left no bytes behind, neither in place nor as a temp file.
    assert not (stack.state_dir / "storage/avatars" / path).exists()
    assert not list((stack.state_dir / ".storage-tmp").glob("*"))


def test_signed_url_works_and_tampered_one_does_not(
    user: Any, stack: StackProcess, jwt_secret: str, supabase_url: str
) -> None:
    client, user_id, _ = user
    name = sorted(p.name for p in (stack.state_dir / "storage/chat-images" / user_id).iterdir())[0]
    path = f"{user_id}/{name}"
    expected = (stack.state_dir / "storage/chat-images" / path).read_bytes()
    signed = client.storage.from_("chat-images").create_signed_url(path, 60)["signedURL"]
    ok = httpx.get(signed)
    assert ok.status_code == 200 and ok.content == expected
    assert "expires" in ok.headers

    head, _, signature = signed.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert_storage_body(httpx.get(f"{head}.{flipped}"), "400", "InvalidJWT")

    foreign = keys.mint(jwt_secret, {"url": "chat-images/other.png", "scope": "download"}, ttl=60)
    url = f"{supabase_url}/storage/v1/object/sign/chat-images/{path}?token={foreign}"
    assert_storage_body(httpx.get(url), "400", "InvalidSignature")

    expired = keys.mint(jwt_secret, {"url": f"chat-images/{path}", "scope": "download"}, ttl=-60)
    url = f"{supabase_url}/storage/v1/object/sign/chat-images/{path}?token={expired}"
    body = assert_storage_body(httpx.get(url), "400", "InvalidJWT")
    assert "exp" in body["message"]

    many = client.storage.from_("chat-images").create_signed_urls([path, f"{user_id}/nope.png"], 60)
    assert many[0]["error"] is None and httpx.get(many[0]["signedURL"]).content == expected
    assert many[1]["signedURL"] is None and many[1]["error"]


def test_listing_past_100_objects_with_offset(service: Client, folder: str) -> None:
    bucket = service.storage.from_("avatars")
    names = [f"{i:03d}.png" for i in range(120)]
    for name in names:
        bucket.upload(f"{folder}/{name}", b"\x89PNG-tiny", {"content-type": "image/png"})
    bucket.upload(f"{folder}/sub/inner.png", b"\x89PNG-tiny", {"content-type": "image/png"})

    first = bucket.list(folder, {"limit": 100, "offset": 0})
    second = bucket.list(folder, {"limit": 100, "offset": 100})
    assert len(first) == 100 and len(second) == 21
    assert first[0] == {**first[0], "name": "sub", "id": None}  # folders first, id null
    files = [o["name"] for o in first[1:] + second]
    assert files == names  # every object once, in name order, not recursive
    desc = bucket.list(folder, {"limit": 5, "sortBy": {"column": "name", "order": "desc"}})
    assert [o["name"] for o in desc] == ["sub", "119.png", "118.png", "117.png", "116.png"]
    assert [o["name"] for o in bucket.list(folder, {"search": "11"})] == [
        f"11{i}.png" for i in range(10)
    ]

    removed = bucket.remove([f"{folder}/{n}" for n in names] + [f"{folder}/sub/inner.png"])
    assert len(removed) == 121
    assert bucket.list(folder) == []


def test_size_limit_and_mime_type_enforced(user: Any, stack: StackProcess) -> None:
    client, user_id, _ = user
    bucket = client.storage.from_("avatars")  # 2 MiB, image/* (the reference migration)
    too_big = b"\0" * (2 * 1024 * 1024 + 1)
    err = storage_error(
        lambda: bucket.upload(f"{user_id}/selftest-big.png", too_big, {"content-type": "image/png"})
    )
    assert (str(err.status), err.code) == ("413", "Payload too large")
    err = storage_error(
        lambda: bucket.upload(f"{user_id}/selftest.txt", b"hi", {"content-type": "text/plain"})
    )
    assert (str(err.status), err.code) == ("415", "invalid_mime_type")
    assert err.message == "mime type text/plain is not supported"
    assert not (stack.state_dir / "storage/avatars" / user_id / "selftest-big.png").exists()


def test_duplicate_without_upsert_then_upsert_and_update(service: Client, folder: str) -> None:
    bucket = service.storage.from_("avatars")
    path = f"{folder}/dup.png"
    bucket.upload(path, b"first", {"content-type": "image/png"})
    err = storage_error(lambda: bucket.upload(path, b"second", {"content-type": "image/png"}))
    assert (str(err.status), err.code, err.message) == (
        "409",
        "Duplicate",
        "The resource already exists",
    )
    assert bucket.download(path) == b"first"
    bucket.upload(path, b"upserted", {"content-type": "image/png", "upsert": "true"})
    assert bucket.download(path) == b"upserted"
    bucket.update(path, b"updated", {"content-type": "image/jpeg"})
    assert httpx.get(bucket.get_public_url(path)).headers["content-type"] == "image/jpeg"
    assert bucket.download(path) == b"updated"


def test_move_and_copy(service: Client, folder: str, stack: StackProcess) -> None:
    bucket = service.storage.from_("avatars")
    bucket.upload(f"{folder}/a.png", AVATAR, {"content-type": "image/png"})
    copied = bucket.copy(f"{folder}/a.png", f"{folder}/b.png")
    assert copied["Key"] == f"avatars/{folder}/b.png"
    assert bucket.download(f"{folder}/b.png") == AVATAR
    assert bucket.download(f"{folder}/a.png") == AVATAR
    moved = bucket.move(f"{folder}/a.png", f"{folder}/c/moved.png")
    assert moved["message"] == "Successfully moved"
    assert bucket.download(f"{folder}/c/moved.png") == AVATAR
    assert not bucket.exists(f"{folder}/a.png")
    assert not (stack.state_dir / "storage/avatars" / folder / "a.png").exists()
    err = storage_error(lambda: bucket.move(f"{folder}/b.png", f"{folder}/c/moved.png"))
    assert str(err.status) == "409"
    bucket.remove([f"{folder}/b.png", f"{folder}/c/moved.png"])


def test_range_request_streams_the_hero_video(supabase_url: str, stack: StackProcess) -> None:
    videos = sorted((stack.state_dir / "storage/media").rglob("*.webm"))
    assert videos, "the seed put no video in the media bucket"
    relative = videos[0].relative_to(stack.state_dir / "storage/media").as_posix()
    data = videos[0].read_bytes()
    url = f"{supabase_url}/storage/v1/object/public/media/{relative}"
    part = httpx.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 0-99/{len(data)}"
    assert part.headers["content-length"] == "100" and part.content == data[:100]
    assert part.headers["accept-ranges"] == "bytes"
    assert part.headers["content-type"] == "video/webm" and part.headers["etag"]
    tail = httpx.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    bad = httpx.get(url, headers={"Range": f"bytes={len(data) + 5}-"})
    assert bad.status_code == 416 and bad.json()["error"] == "invalid_range"
    head = httpx.head(url)
    assert head.status_code == 200 and head.headers["content-length"] == str(len(data))
    assert head.content == b""
    again = httpx.get(url, headers={"if-none-match": part.headers["etag"]})
    assert again.status_code == 304
    download = httpx.get(url, params={"download": "clip.webm"})
    assert download.headers["content-disposition"].startswith("attachment; filename=clip.webm")


def test_bad_input_answers_in_storage_shape(
    supabase_url: str, anon_key: str, jwt_secret: str
) -> None:
    base = f"{supabase_url}/storage/v1"
    hdr = {"apikey": anon_key, "authorization": f"Bearer {anon_key}"}
    missing = httpx.post(f"{base}/object/list/no-such-bucket", json={"prefix": ""}, headers=hdr)
    assert missing.status_code == 200 and missing.json() == []  # Storage lists nothing
    upload = httpx.post(
        f"{base}/object/no-such-bucket/x.png",
        content=b"x",
        headers={**hdr, "content-type": "image/png"},
    )
    assert_storage_body(upload, "404", "Bucket not found")
    malformed = httpx.post(
        f"{base}/object/list/avatars", json={"prefix": ""}, headers={"authorization": "Bearer x.y"}
    )
    assert_storage_body(malformed, "403", "Unauthorized")
    expired = keys.mint(jwt_secret, {"role": "authenticated", "sub": "x"}, ttl=-60)
    stale = httpx.post(
        f"{base}/object/list/avatars",
        json={"prefix": ""},
        headers={"authorization": f"Bearer {expired}"},
    )
    assert assert_storage_body(stale, "403", "Unauthorized")["message"].startswith('"exp"')
    not_json = httpx.post(
        f"{base}/object/list/avatars",
        content=b"{nope",
        headers={**hdr, "content-type": "application/json"},
    )
    assert_storage_body(not_json, "400", "Bad Request")
    escaped = httpx.get(f"{base}/object/public/avatars/a/%2e%2e/%2e%2e/secrets.json")
    assert assert_storage_body(escaped, "400", "InvalidKey")["code"] == "InvalidKey"
    unknown = httpx.get(f"{base}/nowhere")
    assert unknown.status_code == 404 and unknown.json()["statusCode"] == "404"


def test_bucket_administration(service: Client, anon: Client, stack: StackProcess) -> None:
    name = f"selftest-{secrets.token_hex(4)}"
    err = storage_error(lambda: anon.storage.create_bucket(name, options={"public": True}))
    assert (str(err.status), err.message) == ("403", "new row violates row-level security policy")
    assert anon.storage.list_buckets() == []  # no policy on storage.buckets: anon sees none

    service.storage.create_bucket(
        name, options={"public": False, "file_size_limit": 1024, "allowed_mime_types": ["text/*"]}
    )
    try:
        got = service.storage.get_bucket(name)
        assert (got.public, got.file_size_limit, got.allowed_mime_types) == (
            False,
            1024,
            ["text/*"],
        )
        assert name in {b.id for b in service.storage.list_buckets()}
        dup = storage_error(lambda: service.storage.create_bucket(name))
        assert (str(dup.status), dup.code) == ("409", "Duplicate")
        service.storage.update_bucket(name, {"public": True, "file_size_limit": 2048})
        assert service.storage.get_bucket(name).public is True

        files = service.storage.from_(name)
        files.upload("note.txt", b"hello", {"content-type": "text/plain"})
        big = storage_error(lambda: files.upload("big.txt", b"x" * 4096))
        assert str(big.status) == "413"
        full = storage_error(lambda: service.storage.delete_bucket(name))
        assert str(full.status) == "409"
        refused = storage_error(lambda: anon.storage.empty_bucket(name))
        assert str(refused.status) == "403"
        service.storage.empty_bucket(name)
        assert files.list() == []
        assert not (stack.state_dir / "storage" / name / "note.txt").exists()
    finally:
        service.storage.empty_bucket(name)
        service.storage.delete_bucket(name)
    missing = storage_error(lambda: service.storage.get_bucket(name))
    assert (str(missing.status), missing.code) == ("404", "Bucket not found")


# Units: the pure parts the routes above rely on ---------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-99", (0, 99)),
        ("bytes=10-", (10, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=990-5000", (990, 999)),
    ],
)
def test_range_parsing_follows_storage(header: str, expected: tuple[int, int]) -> None:
    span = parse_range(header, 1000)
    assert (span.start, span.end) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5-2", "bytes=-0", "bytes=", "items=0-1"])
def test_unsatisfiable_range_is_416(header: str) -> None:
    with pytest.raises(StorageError) as caught:
        parse_range(header, 1000)
    assert caught.value.response().status_code == 416


@pytest.mark.parametrize("name", ["a/../b.png", "./a.png", "a//b.png", "/a.png", "a/", "é.png", ""])
def test_object_keys_that_could_escape_or_collide_are_refused(name: str) -> None:
    with pytest.raises(StorageError) as caught:
        check_key(name)
    assert caught.value.body()["statusCode"] == "400"


def test_mime_check_matches_type_wildcards_only() -> None:
    check_mime("image/png", ["image/*"])
    check_mime("video/webm", ["video/webm", "audio/*"])
    for refused in ("text/plain", "image", "imagepng"):
        with pytest.raises(StorageError):
            check_mime(refused, ["image/*", "video/webm"])


def test_placement_rollback_restores_the_previous_bytes(tmp_path: Path) -> None:
    disk = Disk(tmp_path)
    first = disk.new_temp()
    first.write_bytes(b"old")
    disk.place(first, "b", "f/x.png").commit()
    second = disk.new_temp()
    second.write_bytes(b"new")
    placement = disk.place(second, "b", "f/x.png")
    assert disk.path("b", "f/x.png").read_bytes() == b"new"
    placement.rollback()
    assert disk.path("b", "f/x.png").read_bytes() == b"old"
    third = disk.new_temp()
    third.write_bytes(b"fresh")
    disk.place(third, "b", "f/y.png").rollback()
    assert not disk.path("b", "f/y.png").exists()
    assert not list(disk.tmp.iterdir())
