"""The stand-in's `/rest/v1` against the official client (supabase-py's postgrest) and raw HTTP.

Proves: select/insert/update/delete with filters and exact counts; upsert on a unique key;
embedded resources through foreign keys; RPC by POST and GET; RLS is Postgres's own (a user
sees only their rows, anon gets nothing from private tables, a denied insert is 403 42501);
each request runs as the JWT's role with its claims, read-only for GET; PostgREST's answers
for a single object (406 PGRST116), an unknown table (404 PGRST205), a bad filter
(400 PGRST100), an expired JWT (401 PGRST303), another schema (406 PGRST106), Range and
Content-Range; and a table created while the stack runs is served at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from postgrest.exceptions import APIError
from supabase import Client

from reference.stack import keys
from reference.stack.runner import StackProcess

TAG = f"rest-selftest-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
def rest_url(supabase_url: str) -> str:
    """The REST base URL."""
    return f"{supabase_url}/rest/v1"


@pytest.fixture(scope="module")
def whoami(stack: StackProcess) -> Iterator[str]:
    """A function created while the stack runs, reporting the transaction it runs in."""
    name = f"rest_selftest_whoami_{secrets.token_hex(3)}"
    with psycopg.connect(str(stack.target["db_url"]), autocommit=True) as conn:
        conn.execute(
            f"create function public.{name}() returns jsonb language sql stable as $$ "
            "select jsonb_build_object('uid', auth.uid(), 'role', current_user, "
            "'read_only', current_setting('transaction_read_only'), "
            "'method', current_setting('request.method', true), "
            "'claims_role', auth.jwt() ->> 'role') $$"
        )
        try:
            yield name
        finally:
            conn.execute(f"drop function public.{name}()")


def _headers(key: str, token: str | None = None, **extra: str) -> dict[str, str]:
    return {"apikey": key, "Authorization": f"Bearer {token or key}", **extra}


def test_user_selects_with_filters_exact_count_and_embedded_catalogue(user: Any) -> None:
    client, _, _ = user
    everything = client.table("courses").select("id", count="exact").execute()
    assert everything.count == len(everything.data) >= 3
    page = (
        client.table("courses")
        .select("id,title,course_modules(title,position,lessons(title))", count="exact")
        .order("title")
        .order("position", foreign_table="course_modules")
        .limit(2)
        .execute()
    )
    assert page.count == everything.count and len(page.data) == 2
    titles = [c["title"] for c in page.data]
    assert titles == sorted(titles)
    modules = page.data[0]["course_modules"]
    assert modules and [m["position"] for m in modules] == sorted(m["position"] for m in modules)
    assert all(isinstance(m["lessons"], list) for m in modules)
    one = page.data[0]
    exact = client.table("courses").select("title").eq("id", one["id"]).execute()
    assert exact.data == [{"title": one["title"]}]
    others = client.table("courses").select("id").neq("id", one["id"]).execute()
    assert len(others.data) == everything.count - 1
    lesson = client.table("lessons").select("title,course_modules(title,courses(id))").limit(1)
    row = lesson.execute().data[0]
    assert isinstance(row["course_modules"], dict)  # many-to-one embeds an object
    assert isinstance(row["course_modules"]["courses"]["id"], str)


def test_user_inserts_updates_and_deletes_own_rows_with_counts(user: Any) -> None:
    client, user_id, _ = user
    table = client.table("weight_measurements")
    inserted = table.insert(
        [{"weight_kg": 70.25, "note": TAG}, {"weight_kg": 71.5, "note": TAG}], count="exact"
    ).execute()
    assert inserted.count == 2
    assert {r["user_id"] for r in inserted.data} == {user_id}  # default auth.uid()
    assert sorted(r["weight_kg"] for r in inserted.data) == [70.25, 71.5]
    updated = table.update({"weight_kg": 69.75}).eq("note", TAG).lt("weight_kg", 71).execute()
    assert [r["weight_kg"] for r in updated.data] == [69.75]
    found = table.select("weight_kg", count="exact").eq("note", TAG).order("weight_kg").execute()
    assert found.count == 2 and [r["weight_kg"] for r in found.data] == [69.75, 71.5]
    deleted = table.delete(count="exact").eq("note", TAG).execute()
    assert deleted.count == 2
    assert table.select("id").eq("note", TAG).execute().data == []


def test_rls_user_sees_only_their_rows_and_anon_sees_nothing_private(
    user: Any, admin: Any, anon: Client, service: Client
) -> None:
    client, user_id, _ = user
    _, admin_id, _ = admin
    mine = client.table("weight_measurements").select("user_id", count="exact").execute()
    assert mine.count and {r["user_id"] for r in mine.data} == {user_id}
    everyone = service.table("weight_measurements").select("user_id", count="exact").execute()
    assert everyone.count is not None and everyone.count >= mine.count
    peek = client.table("profiles").select("id").eq("id", admin_id).execute()
    assert peek.data == []
    # weight_measurements is kept from anon by its grants too (a hardened table): refused, or empty
    for private in ("weight_measurements", "courses", "profiles", "notifications"):
        try:
            seen = anon.table(private).select("*", count="exact").execute()
        except APIError as refused:
            assert refused.code == "42501", f"anon reading {private}: {refused}"
            continue
        assert (seen.data, seen.count) == ([], 0), f"anon can read {private}"


def test_denied_insert_is_403_42501(user: Any, rest_url: str, anon_key: str) -> None:
    client, _, _ = user
    with pytest.raises(APIError) as caught:
        client.table("courses").insert({"title": TAG}).execute()
    assert caught.value.code == "42501"
    raw = httpx.post(f"{rest_url}/courses", headers=_headers(anon_key), json={"title": TAG})
    assert raw.status_code == 403
    assert raw.json()["code"] == "42501"
    assert set(raw.json()) == {"code", "details", "hint", "message"}


def test_upsert_merges_on_a_unique_key(user: Any) -> None:
    client, user_id, _ = user
    mission = client.rpc("today_mission", {}).execute().data[0]
    table = client.table("mission_answers")
    table.delete().eq("mission_id", mission["id"]).eq("user_id", user_id).execute()
    try:
        first = table.upsert(
            {"mission_id": mission["id"], "answer": f"{TAG} one"}, on_conflict="mission_id,user_id"
        ).execute()
        second = table.upsert(
            {"mission_id": mission["id"], "answer": f"{TAG} two"}, on_conflict="mission_id,user_id"
        ).execute()
        assert first.data[0]["id"] == second.data[0]["id"]
        rows = table.select("answer", count="exact").eq("mission_id", mission["id"]).execute()
        assert rows.count == 1 and rows.data[0]["answer"] == f"{TAG} two"
        ignored = table.upsert(
            {"mission_id": mission["id"], "answer": f"{TAG} three"},
            on_conflict="mission_id,user_id",
            ignore_duplicates=True,
        ).execute()
        assert ignored.data == []
    finally:
        table.delete().eq("mission_id", mission["id"]).eq("user_id", user_id).execute()


def test_single_object_answers_406_pgrst116_unless_exactly_one_row(
    user: Any, rest_url: str, anon_key: str
) -> None:
    client, user_id, token = user
    me = client.table("profiles").select("id").eq("id", user_id).single().execute()
    assert me.data == {"id": user_id}
    with pytest.raises(APIError) as caught:
        client.table("courses").select("id").single().execute()
    assert caught.value.code == "PGRST116"
    raw = httpx.get(
        f"{rest_url}/profiles?id=eq.00000000-0000-0000-0000-000000000000",
        headers=_headers(anon_key, token, Accept="application/vnd.pgrst.object+json"),
    )
    assert raw.status_code == 406
    assert raw.json() == {
        "code": "PGRST116",
        "details": "The result contains 0 rows",
        "hint": None,
        "message": "Cannot coerce the result to a single JSON object",
    }


def test_unknown_table_bad_filter_and_other_schema(rest_url: str, anon_key: str) -> None:
    missing = httpx.get(f"{rest_url}/course", headers=_headers(anon_key))
    assert missing.status_code == 404
    assert missing.json()["code"] == "PGRST205"
    assert (
        missing.json()["message"] == "Could not find the table 'public.course' in the schema cache"
    )
    assert missing.json()["hint"] == "Perhaps you meant the table 'public.courses'"
    bad = httpx.get(f"{rest_url}/courses?id=in.1,2", headers=_headers(anon_key))
    assert bad.status_code == 400 and bad.json()["code"] == "PGRST100"
    column = httpx.get(f"{rest_url}/courses?select=nope", headers=_headers(anon_key))
    assert column.status_code == 400 and column.json()["code"] == "42703"
    other = httpx.get(
        f"{rest_url}/courses", headers=_headers(anon_key, **{"Accept-Profile": "auth"})
    )
    assert other.status_code == 406 and other.json()["code"] == "PGRST106"


def test_expired_and_forged_jwts_are_401(rest_url: str, anon_key: str, jwt_secret: str) -> None:
    expired = keys.mint(jwt_secret, {"role": "authenticated", "sub": TAG}, ttl=-60)
    answer = httpx.get(f"{rest_url}/courses", headers=_headers(anon_key, expired))
    assert answer.status_code == 401
    assert answer.json()["code"] == "PGRST303" and answer.json()["message"] == "JWT expired"
    assert answer.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    forged = keys.mint("not-the-secret-" * 3, {"role": "service_role"}, ttl=60)
    answer = httpx.get(f"{rest_url}/courses", headers=_headers(anon_key, forged))
    assert answer.status_code == 401 and answer.json()["code"] == "PGRST301"


def test_range_header_head_and_content_range(rest_url: str, anon_key: str, user: Any) -> None:
    _, _, token = user
    total = httpx.head(
        f"{rest_url}/weight_measurements",
        headers=_headers(anon_key, token, Prefer="count=exact"),
    )
    assert total.status_code == 200
    count = int(total.headers["content-range"].split("/")[1])
    assert count > 2 and total.content == b""
    page = httpx.get(
        f"{rest_url}/weight_measurements?select=id&order=id",
        headers=_headers(
            anon_key, token, Prefer="count=exact", Range="1-2", **{"Range-Unit": "items"}
        ),
    )
    assert page.status_code == 206
    assert page.headers["content-range"] == f"1-2/{count}"
    assert len(page.json()) == 2
    empty = httpx.get(
        f"{rest_url}/weight_measurements?note=eq.{TAG}-none",
        headers=_headers(anon_key, token, Prefer="count=exact"),
    )
    assert (empty.status_code, empty.headers["content-range"], empty.json()) == (200, "*/0", [])


def test_rpc_post_get_and_unknown_function(
    user: Any, rest_url: str, anon_key: str, whoami: str
) -> None:
    client, user_id, token = user
    today = client.rpc("today_mission", {}).execute()
    assert len(today.data) == 1 and today.data[0]["question"]
    posted = client.rpc(whoami, {}).execute().data
    assert posted == {
        "uid": user_id,
        "role": "authenticated",
        "read_only": "off",
        "method": "POST",
        "claims_role": "authenticated",
    }
    got = httpx.get(f"{rest_url}/rpc/{whoami}", headers=_headers(anon_key, token)).json()
    assert (got["read_only"], got["method"], got["uid"]) == ("on", "GET", user_id)
    as_anon = httpx.get(f"{rest_url}/rpc/{whoami}", headers=_headers(anon_key)).json()
    assert (as_anon["role"], as_anon["uid"]) == ("anon", None)
    unknown = httpx.post(f"{rest_url}/rpc/today_missions", headers=_headers(anon_key), json={})
    assert unknown.status_code == 404 and unknown.json()["code"] == "PGRST202"


def test_table_created_while_running_is_served_at_once(
    stack: StackProcess, rest_url: str, service_role_key: str
) -> None:
    name = f"rest_selftest_{secrets.token_hex(3)}"
    with psycopg.connect(str(stack.target["db_url"]), autocommit=True) as conn:
        conn.execute(f"create table public.{name} (id int primary key, label text)")
        try:
            conn.execute(f"grant all on public.{name} to service_role")
            created = httpx.post(
                f"{rest_url}/{name}",
                json=[{"id": 1, "label": TAG}],
                headers=_headers(service_role_key, Prefer="return=representation"),
            )
            assert created.status_code == 201, created.text
            assert created.json() == [{"id": 1, "label": TAG}]
        finally:
            conn.execute(f"drop table public.{name}")
    gone = httpx.get(f"{rest_url}/{name}", headers=_headers(service_role_key))
    assert gone.status_code == 404 and gone.json()["code"] == "PGRST205"


def test_embedded_filters_inner_joins_and_counts(user: Any) -> None:
    client, _, _ = user
    full = client.table("courses").select("title,course_modules(title)").execute().data
    module = full[0]["course_modules"][0]["title"]
    having = sorted(
        c["title"] for c in full if any(m["title"] == module for m in c["course_modules"])
    )
    inner = (
        client.table("courses")
        .select("title,course_modules!inner(title)")
        .eq("course_modules.title", module)
        .execute()
        .data
    )
    assert sorted(c["title"] for c in inner) == having
    assert all(c["course_modules"] == [{"title": module}] for c in inner)
    counted = client.table("courses").select("title,course_modules(count)").execute().data
    expected = {c["title"]: len(c["course_modules"]) for c in full}
    assert {c["title"]: c["course_modules"][0]["count"] for c in counted} == expected
