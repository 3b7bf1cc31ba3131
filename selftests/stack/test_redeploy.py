"""Redeploying edge functions on a running stand-in: no restart, the next invocation sees it.

As on Supabase after `supabase secrets set` or `supabase functions deploy`, rewriting
`functions.env` (or a function's code) reaches the next invocation while PostgreSQL and the
gateway keep running, and a request already being answered by the old worker is answered.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from reference.stack.runner import StackProcess
from reference.stack.settings import format_env_file, read_env_file
from selftests.stack.test_functions import mini_gateway, serve_app

NEW_SENDER = "LMS Redeployed <hello@lms.test>"


def _postmaster_started(stack: StackProcess) -> object:
    with psycopg.connect(str(stack.target["db_url"])) as conn:
        row = conn.execute("select pg_postmaster_start_time()").fetchone()
    assert row is not None
    return row[0]


def _smoke(stack: StackProcess) -> httpx.Response:
    key = str(stack.target["anon_key"])
    return httpx.post(
        f"{stack.url}/functions/v1/goal-notifications",
        json={},
        headers={"apikey": key, "Authorization": f"Bearer {key}"},
        timeout=60,
    )


def _reset_mail_sender(stack: StackProcess, email: str) -> str:
    """Ask for a password reset for `email`; the `from` of the newest reset mail it got."""
    key = str(stack.target["anon_key"])
    asked = httpx.post(
        f"{stack.url}/auth/v1/recover", json={"email": email}, headers={"apikey": key}
    )
    assert asked.status_code == 200, asked.text
    inbox = stack.target["inbox"]
    headers = {"Authorization": f"Bearer {inbox['resend_api_key']}"}
    listed = httpx.get(f"{inbox['resend_api_url']}/emails?limit=100", headers=headers).json()
    newest = next(item for item in listed["data"] if email in (item.get("to") or []))
    return str(newest["from"])


def test_secrets_set_reach_the_next_invocation_without_a_restart(stack: StackProcess) -> None:
    """functions.env rewritten on a running stand-in (RESEND_API_KEY dropped, EMAIL_FROM
    changed): the next goal-notifications call answers 500 naming the missing secret, Auth's
    mail goes out from the new EMAIL_FROM; put back, the call answers 200 again. PostgreSQL's
    pg_postmaster_start_time() and the gateway's process are the same throughout."""
    functions_env = stack.state_dir / "functions.env"
    as_set = functions_env.read_text()
    started, gateway = _postmaster_started(stack), stack.process
    assert gateway is not None
    email = stack.accounts["user"]["email"]
    assert _smoke(stack).status_code == 200
    try:
        secrets = read_env_file(functions_env)
        del secrets["RESEND_API_KEY"]
        functions_env.write_text(format_env_file({**secrets, "EMAIL_FROM": NEW_SENDER}))
        answer = _smoke(stack)
        assert answer.status_code == 500, answer.text
        assert answer.json()["missing_secrets"] == ["RESEND_API_KEY"]
        assert _reset_mail_sender(stack, email) == NEW_SENDER
    finally:
        functions_env.write_text(as_set)
    assert _smoke(stack).status_code == 200
    assert _reset_mail_sender(stack, email) != NEW_SENDER
    assert _postmaster_started(stack) == started, "PostgreSQL restarted"
    assert stack.process is gateway and gateway.poll() is None, "the gateway restarted"


SLOW_FUNCTION = """
    Deno.serve(async (req) => {
      if (new URL(req.url).pathname.endsWith("/slow")) await new Promise((r) => setTimeout(r, 1500));
      return new Response("VERSION");
    });
"""


def test_code_redeploy_answers_the_request_in_flight(tmp_path: Path) -> None:
    """A function's code rewritten while the old worker answers a slow request: that request
    gets the old code's answer, the next request waits for the new worker and gets the new
    code's, and the old worker is stopped once it has answered."""
    functions_dir = tmp_path / "supabase" / "functions"
    index = functions_dir / "slow" / "index.ts"
    index.parent.mkdir(parents=True)
    index.write_text(SLOW_FUNCTION.replace("VERSION", "v1"))
    (tmp_path / "supabase" / "config.toml").write_text("[functions.slow]\nverify_jwt = false\n")
    holder: dict[str, Any] = {}
    with serve_app(mini_gateway(functions_dir, {}, tmp_path / "state", holder)) as url:
        supervisor = holder["supervisor"]
        old_worker = supervisor.workers["slow"]
        in_flight: dict[str, httpx.Response] = {}
        slow = threading.Thread(
            target=lambda: in_flight.update(answer=httpx.get(f"{url}/functions/v1/slow/slow"))
        )
        slow.start()
        deadline = time.monotonic() + 10
        while old_worker.in_flight == 0:
            assert time.monotonic() < deadline, "the slow request never reached the worker"
            time.sleep(0.02)
        index.write_text(SLOW_FUNCTION.replace("VERSION", "v2"))
        fresh = httpx.get(f"{url}/functions/v1/slow", timeout=60)
        assert (fresh.status_code, fresh.text) == (200, "v2")
        assert supervisor.workers["slow"] is not old_worker
        slow.join(timeout=30)
        assert (in_flight["answer"].status_code, in_flight["answer"].text) == (200, "v1")
        deadline = time.monotonic() + 10
        while old_worker.process.poll() is None:
            assert time.monotonic() < deadline, "the old worker was not stopped"
            time.sleep(0.05)
