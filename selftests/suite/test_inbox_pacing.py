"""Reading Resend within the team's rate limit: the run's reads are spaced to leave the app one
request a second, a 429 is waited out, and a recipient's emails are read newest first, each
body only when looked at. The reads go to the stand-in's real Resend sink at Resend's default
limit (2 a second), in process; the 429 retries to a fake and to the real sink."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from postmigration.inbox import InboxError, ResendInbox, wait_for_message
from postmigration.inbox.pacing import ReadPacer, retry_after_s
from reference.stack.gateway.sinks import sink_routes

KEY = "re_test_key"
INVITEE = "invitee@lms.test"


class _Time:
    """A clock and a pause that only moves it, and what was waited."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.waited: list[float] = []

    def clock(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.waited.append(round(seconds, 3))
        self.now += seconds


def test_each_process_spaces_its_reads_to_leave_the_app_one_request_a_second(
    tmp_path: Path,
) -> None:
    """Two pacers on one file (two xdist workers): after an answer says 2 a second, the next
    read of either waits until 1.05 s after the last; 10 a second spaces by 1.05/9 s; an
    answer without the header, or none yet, spaces nothing."""
    fake = _Time()
    worker_a = ReadPacer("https://api.resend.com", KEY, tmp_path, fake.clock, fake.pause)
    worker_b = ReadPacer("https://api.resend.com", KEY, tmp_path, fake.clock, fake.pause)
    assert worker_a.before_read() == 0.0
    worker_a.after_answer({"ratelimit-limit": "2", "ratelimit-remaining": "1"})
    fake.now += 0.1
    assert round(worker_b.before_read(), 3) == 0.95
    worker_b.after_answer({"ratelimit-limit": "10"})
    assert round(worker_a.before_read(), 3) == round(1.05 / 9, 3)
    worker_a.after_answer({})
    assert worker_b.before_read() == 0.0
    other_key = ReadPacer("https://api.resend.com", "re_other", tmp_path, fake.clock, fake.pause)
    assert other_key.path != worker_a.path and KEY not in worker_a.path.name


def test_a_429_asks_how_long_to_wait() -> None:
    """retry-after, else ratelimit-reset, else a second; at most 10 s."""
    assert retry_after_s({"retry-after": "2", "ratelimit-reset": "1"}) == 2.0
    assert retry_after_s({"ratelimit-reset": "1"}) == 1.0
    assert retry_after_s({}) == 1.0
    assert retry_after_s({"retry-after": "3600"}) == 10.0


def _refusing(times: int) -> httpx.Client:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] <= times:
            return httpx.Response(
                429,
                headers={"ratelimit-limit": "2", "retry-after": "1"},
                json={"name": "rate_limit_exceeded", "message": "Too many requests."},
            )
        return httpx.Response(200, json={"object": "list", "has_more": False, "data": []})

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_a_429_is_waited_out_and_asked_again_a_few_times(tmp_path: Path) -> None:
    """Two 429s, each waited out for its retry-after, then the answer; five in a row are an
    InboxError that names the limit and says the team's requests are taken by others."""
    fake = _Time()
    pacer = ReadPacer("https://api.resend.test", KEY, tmp_path, fake.clock, fake.pause)
    inbox = ResendInbox("https://api.resend.test", KEY, _refusing(2), pacer)
    assert list(inbox.messages(INVITEE)) == []
    assert fake.waited.count(1.0) == 2
    inbox = ResendInbox("https://api.resend.test", KEY, _refusing(99), pacer)
    with pytest.raises(InboxError) as refused:
        inbox.messages(INVITEE)
    assert str(refused.value) == (
        "Resend API refused GET /emails 5 times in a row with 429 (rate limit of 2 requests per "
        "second): the team's requests are being used by other traffic"
    )


def _stored(index: int, sent: datetime) -> dict[str, object]:
    return {
        "object": "email",
        "id": f"email-{index}",
        "to": [INVITEE],
        "from": "LMS <no-reply@lms.test>",
        "created_at": (sent + timedelta(seconds=index)).isoformat(),
        "subject": "You were invited",
        "text": f"goal {index}: https://site.test/invites/token{index}",
        "html": None,
    }


@pytest.fixture
def resend_at_two_a_second(tmp_path: Path) -> Iterator[tuple[TestClient, list[str]]]:
    """The stand-in's Resend at its default plan's 2 requests a second, holding ten emails to
    the invitee (email-0 oldest .. email-9 newest), and the paths the client asked for."""
    sinks = tmp_path / "sinks"
    sinks.mkdir()
    sent = datetime.now(UTC) - timedelta(minutes=1)
    lines = (json.dumps(_stored(i, sent)) for i in range(10))
    (sinks / "resend.jsonl").write_text("\n".join(lines) + "\n")
    routes = sink_routes(sinks, KEY, "EAAG_token", "106540352242922", resend_rate_limit=2)
    asked: list[str] = []
    with TestClient(Starlette(routes=[Mount("/sinks", routes=routes)])) as client:
        client.event_hooks["request"].append(lambda request: asked.append(request.url.path))
        yield client, asked


@pytest.mark.parametrize(("newest_first", "reads"), [(0, 2), (3, 5)], ids=["newest", "4th"])
def test_the_invite_is_found_within_resends_limit(
    resend_at_two_a_second: tuple[TestClient, list[str]],
    tmp_path: Path,
    newest_first: int,
    reads: int,
) -> None:
    """Against the real sink at 2 a second, the invite is found with the list and the bodies
    up to it only (newest: 2 reads; the 4th newest: 5), none refused: the reads after the
    first are spaced 1.05 s apart. Read all at once (as the suite did before), the third read
    of the second was refused with 429."""
    client, asked = resend_at_two_a_second
    api = "http://testserver/sinks/resend"
    (tmp_path / "pace").mkdir()
    inbox = ResendInbox(api, KEY, client, ReadPacer(api, KEY, tmp_path / "pace"))
    wanted = f"goal {9 - newest_first}:"
    started = time.monotonic()
    message = wait_for_message(inbox, INVITEE, lambda m: wanted in m.body, what="the invite")
    took = time.monotonic() - started
    assert message.id == f"email-{9 - newest_first}"
    assert len(asked) == reads, asked
    assert asked[0] == "/sinks/resend/emails"
    assert took >= 1.05 * (reads - 1) - 0.05, took


def test_a_read_the_real_sink_refuses_is_waited_out_and_answered(
    resend_at_two_a_second: tuple[TestClient, list[str]], tmp_path: Path
) -> None:
    """Other traffic of the same team (the app's own requests) takes the second's two
    requests just before the suite reads: the real sink refuses the suite's first read with
    429, and the reader waits out its retry-after and is answered; the invite is found. With
    the retry removed, this read fails with the 429 (seen before it was written)."""
    client, asked = resend_at_two_a_second
    api = "http://testserver/sinks/resend"
    statuses: list[int] = []
    client.event_hooks["response"].append(lambda response: statuses.append(response.status_code))
    other_traffic = {"Authorization": f"Bearer {KEY}"}
    (tmp_path / "pace").mkdir()
    inbox = ResendInbox(api, KEY, client, ReadPacer(api, KEY, tmp_path / "pace"))
    # The sink's windows are whole seconds of the monotonic clock: start early in one, so that
    # the other traffic and the suite's read fall in the same window.
    while time.monotonic() % 1 > 0.3:
        time.sleep(0.01)
    for _ in range(2):
        assert client.get(f"{api}/emails", headers=other_traffic).status_code == 200
    started = time.monotonic()
    message = wait_for_message(inbox, INVITEE, lambda m: "goal 9:" in m.body, what="the invite")
    took = time.monotonic() - started
    assert message.id == "email-9"
    assert statuses[:4] == [200, 200, 429, 200], statuses
    assert asked[2:4] == ["/sinks/resend/emails", "/sinks/resend/emails"], asked
    assert took >= 0.9, took


def test_without_a_usable_file_each_process_still_spaces_its_own_reads(tmp_path: Path) -> None:
    """A folder the pacer cannot write in (here: one that does not exist) spaces this
    process's reads alone, and raises nothing."""
    fake = _Time()
    pacer = ReadPacer("https://api.resend.com", KEY, tmp_path / "absent", fake.clock, fake.pause)
    assert pacer.before_read() == 0.0
    pacer.after_answer({"ratelimit-limit": "2"})
    fake.now += 0.05
    assert pacer.before_read() == 1.0
