"""Edge functions: the Deno runner, the `/functions/v1` router, and the reference functions.

The runner and router are tested on a small gateway (functions + sinks, no database) serving
test functions written here, each run by a real Deno. The reference functions are then
tested through the real stand-in stack (`stack` fixture) with supabase-py.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from supabase import Client, create_client
from supabase_functions.errors import FunctionsHttpError

from reference.stack.deno import DenoSupervisor, WorkerState
from reference.stack.gateway import functions as functions_gateway
from reference.stack.gateway.sinks import sink_routes
from reference.stack.keys import TokenKeys, mint
from reference.stack.runner import StackProcess
from reference.stack.settings import FUNCTIONS_DIR, format_env_file, read_env_file
from reference.stack.trust import trust_environment

JWT_SECRET = "test-secret-of-at-least-thirty-two-characters"
RESEND_KEY = "re_test_key"
WA_TOKEN = "EAAG_test_token"
PHONE_ID = "106540352242922"

# Test functions, each a real index.ts run unmodified by Deno.
TEST_FUNCTIONS = {
    # Deno.serve(options, handler) with a port of its own: the host must override it.
    "echo": """
        Deno.serve({ port: 9, hostname: "0.0.0.0" }, async (req) => {
          const url = new URL(req.url);
          return Response.json(
            { method: req.method, path: url.pathname, query: url.search,
              body: await req.text(), headers: Object.fromEntries(req.headers),
              env: Object.keys(Deno.env.toObject()).sort(), secret: Deno.env.get("A_SECRET") },
            { status: 201, headers: { "x-echo": "yes" } },
          );
        });
    """,
    # Deno.serve({ handler }): crashes on /exit, throws on /throw.
    "crashy": """
        Deno.serve({ handler: (req) => {
          const path = new URL(req.url).pathname;
          if (path.endsWith("/exit")) Deno.exit(3);
          if (path.endsWith("/throw")) throw new Error("boom in handler");
          return new Response("alive");
        } });
    """,
    # Deno.serve(handler) streaming its body in chunks.
    "stream": """
        Deno.serve(() => new Response(new ReadableStream({
          async start(controller) {
            for (const part of ["one ", "two ", "three"]) {
              controller.enqueue(new TextEncoder().encode(part));
              await new Promise((r) => setTimeout(r, 20));
            }
            controller.close();
          },
        })));
    """,
    "open": """Deno.serve(() => new Response("no JWT needed"));""",
    "bootfail": """throw new Error("cannot start: bad configuration");""",
    "no-serve": """console.log("this function forgot to call Deno.serve");""",
}


@contextmanager
def serve_app(app: Starlette) -> Iterator[str]:
    """Serve `app` with uvicorn on a free port in a thread; yield its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    delay = 0.01
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test gateway did not start")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def mini_gateway(
    functions_dir: Path, secrets: dict[str, str], state_dir: Path, holder: dict[str, Any]
) -> Starlette:
    """`/functions/v1` and `/sinks` as the stack mounts them, with a supervisor in the lifespan."""
    settings = SimpleNamespace(
        functions_dir=functions_dir, state_dir=state_dir, tokens=TokenKeys(JWT_SECRET)
    )
    supervisor = DenoSupervisor(functions_dir, secrets, state_dir / "logs", boot_timeout=20)
    holder["supervisor"] = supervisor

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        app.state.functions = supervisor
        await supervisor.start()
        try:
            yield
        finally:
            await supervisor.stop()

    routes = [
        Mount("/functions/v1", routes=functions_gateway.routes(settings)),  # type: ignore[arg-type]
        Mount("/sinks", routes=sink_routes(state_dir / "sinks", RESEND_KEY, WA_TOKEN, PHONE_ID)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, DenoSupervisor]]:
    """A mini gateway serving TEST_FUNCTIONS (`open` opts out of verify_jwt in config.toml)."""
    root = tmp_path_factory.mktemp("runner")
    functions_dir = root / "supabase" / "functions"
    for name, source in TEST_FUNCTIONS.items():
        (functions_dir / name).mkdir(parents=True)
        (functions_dir / name / "index.ts").write_text(source)
    (functions_dir / "_shared").mkdir()
    (functions_dir / "_shared" / "index.ts").write_text("export const x = 1;\n")
    (root / "supabase" / "config.toml").write_text("[functions.open]\nverify_jwt = false\n")
    holder: dict[str, Any] = {}
    app = mini_gateway(functions_dir, {"A_SECRET": "shh"}, root / "state", holder)
    with serve_app(app) as url:
        yield url, holder["supervisor"]


def _user_jwt(**claims: Any) -> str:
    return mint(JWT_SECRET, {"sub": "u1", "role": "authenticated", **claims}, ttl=600)


def _auth(token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or _user_jwt()}"}


def test_each_function_directory_gets_its_own_deno(runner: tuple[str, DenoSupervisor]) -> None:
    """Every directory not starting with `_` is a function with its own Deno process."""
    _, supervisor = runner
    assert sorted(supervisor.workers) == sorted(TEST_FUNCTIONS)
    pids = {w.process.pid for w in supervisor.workers.values() if w.process is not None}
    assert len(pids) == len(TEST_FUNCTIONS)


def test_request_reaches_the_function_unchanged(runner: tuple[str, DenoSupervisor]) -> None:
    """Method, sub-path, query, headers and body are forwarded; status and headers come back."""
    url, _ = runner
    answer = httpx.put(
        f"{url}/functions/v1/echo/sub/path?x=1&y=2",
        content=b'{"hello":"world"}',
        headers={**_auth(), "content-type": "application/json", "x-custom": "kept"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["x-echo"] == "yes"
    seen = answer.json()
    assert seen["method"] == "PUT"
    assert seen["path"] == "/echo/sub/path"
    assert seen["query"] == "?x=1&y=2"
    assert seen["body"] == '{"hello":"world"}'
    assert seen["headers"]["x-custom"] == "kept"


def test_function_sees_only_its_secrets(runner: tuple[str, DenoSupervisor]) -> None:
    """The worker's environment is the function secrets, plus Deno's own cache dir and the
    machine's CA bundle and proxy variables (how to reach registries), nothing else."""
    url, _ = runner
    seen = httpx.get(f"{url}/functions/v1/echo", headers=_auth()).json()
    assert seen["secret"] == "shh"
    deno_own = {"DENO_NODE_SHIM_ACTIVE", "PATH"}  # Deno sets these for its node shims
    trust = set(trust_environment())
    assert set(seen["env"]) - deno_own - trust == {"A_SECRET", "DENO_DIR", "NO_COLOR"}


def test_unknown_function_is_404(runner: tuple[str, DenoSupervisor]) -> None:
    """An unknown name: 404 "Function not found" (as supabase functions serve answers)."""
    url, _ = runner
    answer = httpx.post(f"{url}/functions/v1/nope", headers=_auth())
    assert answer.status_code == 404
    assert answer.text == "Function not found"
    assert httpx.post(f"{url}/functions/v1/_shared", headers=_auth()).status_code == 404


def test_verify_jwt_refuses_missing_and_invalid_tokens(runner: tuple[str, DenoSupervisor]) -> None:
    """No bearer, a token signed with another secret, an expired token: all 401."""
    url, _ = runner
    missing = httpx.post(f"{url}/functions/v1/echo")
    assert missing.status_code == 401
    assert missing.json() == {"msg": "Error: Missing authorization header"}
    forged = mint("another-secret-of-at-least-thirty-two-chars", {"role": "authenticated"})
    answer = httpx.post(f"{url}/functions/v1/echo", headers=_auth(forged))
    assert answer.status_code == 401
    assert answer.json() == {"msg": "Invalid JWT"}
    expired = mint(JWT_SECRET, {"role": "authenticated"}, ttl=-60)
    assert httpx.post(f"{url}/functions/v1/echo", headers=_auth(expired)).status_code == 401
    garbage = httpx.post(f"{url}/functions/v1/echo", headers={"Authorization": "Bearer x.y.z"})
    assert garbage.json() == {"msg": "Invalid JWT"}


def test_verify_jwt_false_in_config_toml_opts_out(runner: tuple[str, DenoSupervisor]) -> None:
    """`[functions.open] verify_jwt = false` lets a call without a JWT through."""
    url, _ = runner
    answer = httpx.post(f"{url}/functions/v1/open")
    assert answer.status_code == 200
    assert answer.text == "no JWT needed"


def test_preflight_reaches_the_function_without_a_jwt(runner: tuple[str, DenoSupervisor]) -> None:
    """OPTIONS is never JWT-checked: the function answers the browser's preflight itself."""
    url, _ = runner
    answer = httpx.options(f"{url}/functions/v1/echo")
    assert answer.status_code == 201
    assert answer.json()["method"] == "OPTIONS"


def test_streamed_response_arrives_whole(runner: tuple[str, DenoSupervisor]) -> None:
    """A body the function streams in chunks reaches the caller complete."""
    url, _ = runner
    with httpx.stream("GET", f"{url}/functions/v1/stream", headers=_auth()) as answer:
        chunks = list(answer.iter_text())
    assert "".join(chunks) == "one two three"


def test_worker_that_failed_to_boot_is_503(runner: tuple[str, DenoSupervisor]) -> None:
    """A function that throws at import, or never serves: 503 BOOT_ERROR; its log says why."""
    url, supervisor = runner
    for name in ("bootfail", "no-serve"):
        answer = httpx.post(f"{url}/functions/v1/{name}", headers=_auth())
        assert answer.status_code == 503, name
        assert answer.json()["code"] == "BOOT_ERROR"
    log = supervisor.workers["bootfail"].log_path.read_text()
    assert "cannot start: bad configuration" in log


def test_handler_exception_is_500_worker_error(runner: tuple[str, DenoSupervisor]) -> None:
    """An exception in the handler: 500 WORKER_ERROR, and the worker keeps serving."""
    url, _ = runner
    answer = httpx.get(f"{url}/functions/v1/crashy/throw", headers=_auth())
    assert answer.status_code == 500
    assert answer.json()["code"] == "WORKER_ERROR"
    assert httpx.get(f"{url}/functions/v1/crashy", headers=_auth()).text == "alive"


def test_crashed_worker_is_500_worker_error(runner: tuple[str, DenoSupervisor]) -> None:
    """A worker whose process exits: that call and the next ones are 500 WORKER_ERROR."""
    url, supervisor = runner
    crashed = httpx.get(f"{url}/functions/v1/crashy/exit", headers=_auth())
    assert crashed.status_code == 500
    assert crashed.json()["code"] == "WORKER_ERROR"
    after = httpx.get(f"{url}/functions/v1/crashy", headers=_auth())
    assert after.status_code == 500
    assert after.json() == {
        "code": "WORKER_ERROR",
        "message": "Function exited due to an error (please check logs)",
    }
    assert supervisor.workers["crashy"].state is WorkerState.EXITED


def test_stop_ends_every_worker(tmp_path: Path) -> None:
    """After the gateway stops, no worker process is left."""
    holder: dict[str, Any] = {}
    functions_dir = tmp_path / "functions"
    (functions_dir / "open").mkdir(parents=True)
    (functions_dir / "open" / "index.ts").write_text(TEST_FUNCTIONS["open"])
    with serve_app(mini_gateway(functions_dir, {}, tmp_path / "state", holder)) as url:
        assert httpx.get(f"{url}/functions/v1/open", headers=_auth()).status_code == 200
    worker = holder["supervisor"].workers["open"]
    assert worker.process.poll() is not None
    assert worker.state is WorkerState.STOPPED


# ------------------------------------------------- the reference functions, secrets checks


REFERENCE_SECRETS = {
    "SUPABASE_URL": "http://127.0.0.1:9",  # never reached: these calls stop before the database
    "SUPABASE_ANON_KEY": "anon",
    "SUPABASE_SERVICE_ROLE_KEY": "service",
    "SITE_URL": "https://app.example.test",
    "EMAIL_FROM": "LMS <no-reply@lms.test>",
    "RESEND_API_KEY": RESEND_KEY,
    "WHATSAPP_TOKEN": WA_TOKEN,
    "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
}


@contextmanager
def reference_functions(tmp_path: Path, secrets: dict[str, str]) -> Iterator[str]:
    """The reference functions served by the mini gateway with `secrets`."""
    with serve_app(mini_gateway(FUNCTIONS_DIR, secrets, tmp_path, {})) as url:
        yield url


def test_goal_notifications_missing_secret_is_500_naming_it(tmp_path: Path) -> None:
    """functions.env without RESEND_API_KEY: the smoke test gets 500 naming the secret."""
    secrets = {k: v for k, v in REFERENCE_SECRETS.items() if k != "RESEND_API_KEY"}
    with reference_functions(tmp_path, secrets) as url:
        answer = httpx.post(f"{url}/functions/v1/goal-notifications", json={}, headers=_auth())
    assert answer.status_code == 500
    assert answer.json() == {
        "error": "missing secret RESEND_API_KEY",
        "function": "goal-notifications",
        "missing_secrets": ["RESEND_API_KEY"],
    }


def test_goal_notifications_dry_run_sends_nothing(tmp_path: Path) -> None:
    """`{}` and `{"dry_run": true}` answer 200 and nothing reaches the providers."""
    with reference_functions(tmp_path, REFERENCE_SECRETS) as url:
        for body in ({}, {"dry_run": True}):
            answer = httpx.post(
                f"{url}/functions/v1/goal-notifications", json=body, headers=_auth()
            )
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"ok": True, "dry_run": True, "sent": []}
        preflight = httpx.options(
            f"{url}/functions/v1/goal-notifications",
            headers={"Origin": "http://app.test", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization, x-client-info, apikey"},
        )  # fmt: skip
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "x-client-info" in preflight.headers["access-control-allow-headers"]
    assert not (tmp_path / "sinks" / "resend.jsonl").exists()
    assert not (tmp_path / "sinks" / "whatsapp.jsonl").exists()


# ------------------------------------------------- the reference functions on the real stack


def _client_for(stack: Any, account: str | None = None) -> Client:
    """A supabase-py client on the stand-in, signed in as `account` when given."""
    client = create_client(stack.url, str(stack.target["anon_key"]))
    if account is not None:
        creds = stack.accounts[account]
        client.auth.sign_in_with_password({"email": creds["email"], "password": creds["password"]})
    return client


def _invoke_json(client: Client, name: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.functions.invoke(name, {"body": body})
    return json.loads(answer)


@pytest.fixture
def pending_invite(stack: Any) -> Iterator[dict[str, Any]]:
    """A goal of the `user` account with one pending invite to `invitee` (email and phone)."""
    owner = _client_for(stack, "user")
    invitee = stack.accounts["invitee"]
    goal = (
        owner.table("goals")
        .insert({"title": f"Run 5k together {uuid.uuid4().hex[:8]}"})
        .execute()
        .data[0]
    )
    invite = (
        owner.table("goal_invites")
        .insert(
            {
                "goal_id": goal["id"],
                "invitee_email": invitee["email"],
                "invitee_phone": invitee["phone"],
            }
        )
        .execute()
        .data[0]
    )
    yield {"owner": owner, "goal": goal, "invite": invite}
    owner.table("goals").delete().eq("id", goal["id"]).execute()


def _inbox(stack: Any) -> dict[str, str]:
    return dict(stack.target["inbox"])


def test_goal_invite_reaches_email_whatsapp_and_app(
    stack: Any, pending_invite: dict[str, Any]
) -> None:
    """The owner's invoke sends a Resend email with a SITE_URL link, a WhatsApp message with the
    same link and an in-app card for the invitee, then marks the invite sent."""
    goal, invite = pending_invite["goal"], pending_invite["invite"]
    answer = _invoke_json(pending_invite["owner"], "goal-notifications", {"goal_id": goal["id"]})
    assert [s["invite_id"] for s in answer["sent"]] == [invite["id"]]
    sent = answer["sent"][0]
    site_url = str(stack.target["site_url"]).rstrip("/")
    link = f"{site_url}/invites/{invite['token']}"
    inbox = _inbox(stack)

    email = httpx.get(
        f"{inbox['resend_api_url']}/emails/{sent['email_id']}",
        headers={"Authorization": f"Bearer {inbox['resend_api_key']}"},
    )
    assert email.status_code == 200, email.text
    assert email.json()["to"] == [stack.accounts["invitee"]["email"]]
    hrefs = re.findall(r'href="([^"]+)"', email.json()["html"])
    assert hrefs == [link], f"the email's link {hrefs} does not start with SITE_URL {site_url}"

    messages = httpx.get(
        f"{inbox['whatsapp_api_url']}/{inbox['whatsapp_phone_number_id']}/messages",
        headers={"Authorization": f"Bearer {inbox['whatsapp_token']}"},
    ).json()["data"]
    message = next(m for m in messages if m["id"] == sent["whatsapp_message_id"])
    assert message["wa_id"] == re.sub(r"\D", "", stack.accounts["invitee"]["phone"])
    assert link in message["text"]["body"]

    invitee = _client_for(stack, "invitee")
    cards = invitee.table("notifications").select("*").eq("id", sent["notification_id"]).execute()
    assert len(cards.data) == 1, "the invitee does not see the in-app card"
    assert cards.data[0]["kind"] == "goal_invite"
    assert cards.data[0]["data"] == {
        "goal_id": goal["id"],
        "invite_id": invite["id"],
        "token": invite["token"],
    }
    invitee.table("notifications").delete().eq("id", sent["notification_id"]).execute()

    after = pending_invite["owner"].table("goal_invites").select("*").eq("id", invite["id"])
    row = after.execute().data[0]
    assert row["status"] == "sent"
    assert row["sent_at"] is not None
    again = _invoke_json(pending_invite["owner"], "goal-notifications", {"goal_id": goal["id"]})
    assert again["sent"] == [], "an invite already sent was sent again"


def test_goal_notifications_refuses_someone_elses_goal(
    stack: Any, pending_invite: dict[str, Any]
) -> None:
    """Only the goal's owner (or the service role) may send its invites: others get 403."""
    invitee = _client_for(stack, "invitee")
    with pytest.raises(FunctionsHttpError) as refused:
        invitee.functions.invoke(
            "goal-notifications", {"body": {"goal_id": pending_invite["goal"]["id"]}}
        )
    assert "owner" in str(refused.value)
    anon = httpx.post(
        f"{stack.url}/functions/v1/goal-notifications",
        json={"goal_id": pending_invite["goal"]["id"]},
        headers={"Authorization": f"Bearer {stack.target['anon_key']}"},
    )
    assert anon.status_code == 401


def test_goal_notifications_dry_run_on_the_stack_sends_nothing(stack: Any) -> None:
    """The playbook's smoke test (a dummy body) answers 200 and the Resend sink stays as it was."""
    inbox = _inbox(stack)
    headers = {"Authorization": f"Bearer {inbox['resend_api_key']}"}
    before = httpx.get(f"{inbox['resend_api_url']}/emails", headers=headers).json()["data"]
    answer = _invoke_json(_client_for(stack), "goal-notifications", {})
    assert answer == {"ok": True, "dry_run": True, "sent": []}
    after = httpx.get(f"{inbox['resend_api_url']}/emails", headers=headers).json()["data"]
    assert after[:1] == before[:1]


def test_functions_router_on_the_stack(stack: Any) -> None:
    """Through the real gateway: unknown function 404, no JWT 401."""
    unknown = httpx.post(
        f"{stack.url}/functions/v1/no-such-function",
        headers={"Authorization": f"Bearer {stack.target['anon_key']}"},
    )
    assert unknown.status_code == 404
    assert unknown.text == "Function not found"
    with pytest.raises(FunctionsHttpError):
        _client_for(stack).functions.invoke("no-such-function", {"body": {}})
    missing = httpx.post(f"{stack.url}/functions/v1/goal-notifications", json={})
    assert missing.status_code == 401


@pytest.fixture
def weigher(stack: Any) -> Iterator[Client]:
    """A fresh confirmed account with no measurements yet, signed in; deleted afterwards."""
    service = create_client(stack.url, str(stack.target["service_role_key"]))
    email = f"weigher-{uuid.uuid4().hex[:10]}@lms.test"
    password = uuid.uuid4().hex
    user = service.auth.admin.create_user(
        {"email": email, "password": password, "email_confirm": True}
    ).user
    client = create_client(stack.url, str(stack.target["anon_key"]))
    client.auth.sign_in_with_password({"email": email, "password": password})
    yield client
    service.auth.admin.delete_user(user.id)


def test_weight_report_summarises_the_callers_measurements(stack: Any, weigher: Client) -> None:
    """count, first, latest, change, min, max and the 7-day average, from the caller's rows."""
    empty = _invoke_json(weigher, "weight-report", {})
    assert empty == {
        "count": 0, "first": None, "latest": None, "change_kg": None,
        "min_kg": None, "max_kg": None, "avg_7d_kg": None, "unit": "kg",
    }  # fmt: skip
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [(80.0, 20), (79.5, 10), (78.25, 6), (78.75, 1)]  # (kg, days ago)
    weigher.table("weight_measurements").insert(
        [
            {"weight_kg": kg, "measured_at": (now - timedelta(days=days)).isoformat()}
            for kg, days in rows
        ]
    ).execute()
    report = _invoke_json(weigher, "weight-report", {})
    assert report["count"] == 4
    assert report["first"]["value_kg"] == 80.0
    assert _when(report["first"]["measured_at"]) == now - timedelta(days=20)
    assert report["latest"]["value_kg"] == 78.75
    assert _when(report["latest"]["measured_at"]) == now - timedelta(days=1)
    assert report["change_kg"] == -1.25
    assert report["min_kg"] == 78.25
    assert report["max_kg"] == 80.0
    assert report["avg_7d_kg"] == 78.5  # the two rows within 7 days of the latest
    assert report["unit"] == "kg"


def test_weight_report_needs_a_signed_in_user(stack: Any) -> None:
    """With only the anon key there is no user to report on: 401."""
    with pytest.raises(FunctionsHttpError):
        _client_for(stack).functions.invoke("weight-report", {"body": {}})


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_stack_without_resend_key_fails_the_smoke_test(tmp_path: Path) -> None:
    """A stack restarted with RESEND_API_KEY removed from functions.env (a forgotten
    `supabase secrets set`): the dummy-body invoke answers 500 naming the secret. The sinks
    keep what they received across the restart."""
    state = tmp_path / "stack"
    with StackProcess(state) as first:
        inbox = _inbox(first)
        headers = {"Authorization": f"Bearer {inbox['resend_api_key']}"}
        kept = httpx.post(
            f"{inbox['resend_api_url']}/emails",
            json={"from": "a@lms.test", "to": "b@lms.test", "subject": "kept", "text": "kept"},
            headers=headers,
        ).json()["id"]
    functions_env = state / "functions.env"
    secrets = read_env_file(functions_env)
    assert "RESEND_API_KEY" in secrets
    del secrets["RESEND_API_KEY"]
    functions_env.write_text(format_env_file(secrets))
    with StackProcess(state) as second:
        answer = httpx.post(
            f"{second.url}/functions/v1/goal-notifications",
            json={},
            headers={"Authorization": f"Bearer {second.target['anon_key']}"},
        )
        assert answer.status_code == 500, answer.text
        assert answer.json()["missing_secrets"] == ["RESEND_API_KEY"]
        assert answer.json()["error"] == "missing secret RESEND_API_KEY"
        again = httpx.get(f"{_inbox(second)['resend_api_url']}/emails/{kept}", headers=headers)
        assert again.status_code == 200, "the Resend sink lost its emails across a restart"


def test_provider_refusal_is_502_with_the_providers_status(tmp_path: Path) -> None:
    """A stale RESEND_API_KEY in functions.env: the smoke test still passes (it sends
    nothing), but a real invite answers 502 carrying Resend's own 403 and stays pending."""
    state = tmp_path / "stack"
    with StackProcess(state) as first:
        first_key = first.target["service_role_key"]
    functions_env = state / "functions.env"
    secrets = read_env_file(functions_env)
    secrets["RESEND_API_KEY"] = "re_stale_key_from_the_old_server"
    functions_env.write_text(format_env_file(secrets))
    with StackProcess(state) as running:
        assert first_key == running.target["service_role_key"], (
            "after a restart the project's service_role key changed: "
            "API keys must stay the same across restarts, as on a server"
        )
        owner = _client_for(running, "user")
        assert _invoke_json(owner, "goal-notifications", {})["dry_run"] is True
        goal = owner.table("goals").insert({"title": "stale key"}).execute().data[0]
        invite = (
            owner.table("goal_invites")
            .insert({"goal_id": goal["id"], "invitee_email": running.accounts["invitee"]["email"]})
            .execute()
            .data[0]
        )
        answer = httpx.post(
            f"{running.url}/functions/v1/goal-notifications",
            json={"goal_id": goal["id"]},
            headers={"Authorization": f"Bearer {running.target['service_role_key']}"},
        )
        assert answer.status_code == 502, answer.text
        body = answer.json()
        assert body["provider"] == "resend"
        assert body["provider_status"] == 403
        assert body["provider_error"]["name"] == "invalid_api_key"
        assert body["sent"] == []
        row = owner.table("goal_invites").select("status").eq("id", invite["id"]).execute()
        assert row.data[0]["status"] == "pending"


def test_service_role_may_send_any_goals_invites(
    stack: Any, jwt_secret: str, pending_invite: dict[str, Any]
) -> None:
    """The service role (its key, or another JWT of that role signed by the project) sends a
    goal's invites by invite_id without being the owner."""
    reissued = mint(jwt_secret, {"iss": "supabase", "role": "service_role"}, ttl=600)
    assert reissued != stack.target["service_role_key"]
    answer = httpx.post(
        f"{stack.url}/functions/v1/goal-notifications",
        json={"invite_id": pending_invite["invite"]["id"]},
        headers={"Authorization": f"Bearer {reissued}"},
    )
    assert answer.status_code == 200, answer.text
    assert [s["invite_id"] for s in answer.json()["sent"]] == [pending_invite["invite"]["id"]]
