"""Units for following links hop by hop (postmigration.links, and the invite-link and media
checks built on it) against in-process fakes, and for the words of a function's non-2xx answer."""

from __future__ import annotations

import httpx
import pytest

from postmigration.functions import Invocation
from postmigration.inbox import invite_link_problems
from postmigration.links import follow, shown
from postmigration.media import range_problem

NEW = "https://app.new.example"
OLD = "https://app.old.example"


def _client(routes: dict[str, tuple[int, str | None]]) -> httpx.Client:
    """A client whose server answers each URL with (status, Location); anything else is 404.
    It is told to follow redirects: `follow` must turn that off itself."""

    def handler(request: httpx.Request) -> httpx.Response:
        status, location = routes.get(str(request.url), (404, None))
        headers = {"location": location} if location else {}
        return httpx.Response(status, headers=headers, content=b"body")

    return httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=True)


def test_a_redirect_through_an_old_origin_is_named_with_its_hop() -> None:
    client = _client(
        {
            f"{NEW}/invites/t": (302, f"{OLD}/go?token=secret#frag"),
            f"{OLD}/go?token=secret": (307, f"{NEW}/invites/t2"),
            f"{NEW}/invites/t2": (200, None),
        }
    )
    followed = follow(f"{NEW}/invites/t", client, [OLD], what="the invite link")
    assert followed.status == 200
    assert [h.status for h in followed.hops] == [302, 307, 200]
    assert followed.problem == (
        f"the invite link redirects through the old origin {OLD} "
        f"(hop 2 of 3: 307 {OLD}/go?token=… → {NEW}/invites/t2)"
    )
    assert "secret" not in followed.journey() and "frag" not in followed.journey()


def test_a_clean_journey_has_no_problem_and_relative_locations_resolve() -> None:
    client = _client({f"{NEW}/a": (301, "/b"), f"{NEW}/b": (200, None)})
    followed = follow(f"{NEW}/a", client, [OLD], what="the link")
    assert followed.problem is None
    assert followed.final_url == f"{NEW}/b"
    assert followed.journey() == f"hop 1 of 2: 301 {NEW}/a → {NEW}/b\nhop 2 of 2: 200 {NEW}/b"


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        (
            {f"{NEW}/a": (302, f"{NEW}/a")},
            "the link still redirects after 3 hops (a redirect loop?)",
        ),
        ({f"{NEW}/a": (302, None)}, f"the link answered 302 at {NEW}/a without a Location"),
        ({f"{NEW}/a": (200, None)}, None),
    ],
)
def test_loops_and_redirects_without_location_are_problems(
    routes: dict[str, tuple[int, str | None]], expected: str | None
) -> None:
    followed = follow(f"{NEW}/a", _client(routes), [OLD], what="the link", max_hops=3)
    if expected is None:
        assert followed.problem is None
    else:
        assert (followed.problem or "").startswith(expected)


def test_a_link_on_an_old_origin_is_named_as_pointing_there() -> None:
    followed = follow(f"{OLD}/x", _client({f"{OLD}/x": (200, None)}), [OLD], what="the link")
    assert followed.problem == f"the link points at the old origin {OLD} (hop 1 of 1: 200 {OLD}/x)"


def test_invite_links_are_followed_and_must_end_in_200() -> None:
    client = _client(
        {f"{NEW}/invites/t": (302, f"{OLD}/invites/t"), f"{OLD}/invites/t": (200, None)}
    )
    problems = invite_link_problems(
        f"Accept: {NEW}/invites/t", NEW, [OLD], what="the invite email", http=client
    )
    assert problems == [
        f"the invite email's link redirects through the old origin {OLD} "
        f"(hop 2 of 2: 200 {OLD}/invites/t)"
    ]
    gone = _client({})
    assert invite_link_problems(f"{NEW}/invites/t", NEW, [], what="the email", http=gone) == [
        f"the email's link {NEW}/invites/t does not open (404)"
    ]


def test_media_range_requests_are_followed_with_the_range_header() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("range"))
        if request.url.path == "/hop":
            return httpx.Response(302, headers={"location": f"{NEW}/media.webm"})
        return httpx.Response(206, headers={"content-range": "bytes 0-1023/5000"}, content=b"x")

    client = httpx.Client(transport=httpx.MockTransport(handler))
    assert range_problem(client, f"{NEW}/hop", old_origins=[OLD], what="the hero video") is None
    assert seen == ["bytes=0-1023", "bytes=0-1023"]


def test_shown_hides_query_values_and_fragments() -> None:
    assert shown(f"{NEW}/v?token=abc&type=x#access_token=y") == f"{NEW}/v?token=…&type=…"


@pytest.mark.parametrize(
    ("status", "body", "problem", "deployed"),
    [
        (200, {"ok": True}, None, True),
        (401, {"msg": "Invalid JWT"}, "was refused by JWT verification (401: Invalid JWT)", False),
        (
            401,
            {"code": "UNAUTHORIZED_INVALID_JWT_FORMAT", "message": "Invalid JWT"},
            "refuses the new API keys (UNAUTHORIZED_INVALID_JWT_FORMAT)",
            False,
        ),
        (401, {"error": "sign in first"}, "refused the caller (401: sign in first)", True),
        (403, {"error": "nope"}, "refused the caller (403: nope)", True),
        (404, "Function not found", "is not deployed (404: Function not found)", False),
        (
            500,
            {"code": "WORKER_ERROR", "message": "boom"},
            "crashed (500 WORKER_ERROR: boom): it threw an error",
            False,
        ),
        (
            500,
            {"error": "reading goals: denied"},
            "failed with an error (500: reading goals",
            False,
        ),
        (
            500,
            {"error": "missing secret X", "missing_secrets": ["X"]},
            "is missing secret(s) X (500)",
            False,
        ),
        (
            503,
            {"code": "BOOT_ERROR", "message": "Worker failed"},
            "does not boot (503 BOOT_ERROR",
            False,
        ),
        (
            546,
            {"code": "WORKER_LIMIT", "message": "x"},
            "hit a resource limit (546 WORKER_LIMIT",
            False,
        ),
        (418, "teapot", "answered 418: teapot", True),
    ],
)
def test_every_non_2xx_answer_is_named_with_what_it_usually_means(
    status: int, body: object, problem: str | None, deployed: bool
) -> None:
    excerpt = body if isinstance(body, str) else str(body)
    answer = Invocation(
        "goal-notifications", status, excerpt, None if isinstance(body, str) else body
    )
    if problem is None:
        assert answer.problem() is None
    else:
        assert (answer.problem() or "").startswith(f"function goal-notifications {problem}")
    assert (answer.deployment_problem() is None) == deployed
