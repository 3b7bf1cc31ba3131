"""Helpers for the plugin's own tests: a fake Supabase on a real socket, and a suite builder.

The fake answers only what the foundations probe (``/rest/v1/`` and ``/auth/v1/health``),
with statuses a test can change, so the verdict rules are tested without the stand-in.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore  # noqa: F401  (imported once here: in-process runs must share its classes)
import pytest

from postmigration.checklist import CHECKLIST, DEFAULT_PHASE

# Values the redaction tests look for in every report file. The JWT is shaped like a real one.
ANON_KEY = "anon-key-0123456789abcdef"
SERVICE_KEY = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0."
    "c2lnbmF0dXJlLW9mLXRoZS1zZXJ2aWNlLWtleQ"
)
DB_PASSWORD = "db-pass-9f8e7d6c5b"
ADMIN_PASSWORD = "admin-pass-5a4b3c2d1e"
SECRETS = (ANON_KEY, SERVICE_KEY, DB_PASSWORD, ADMIN_PASSWORD)
# Items that mean something only in other phases (sign-offs, repo-ready: before the DNS
# switch): not applicable in a run of the default phase, post-cutover, in checklist order.
OUT_OF_DEFAULT_PHASE = tuple(i.id for i in CHECKLIST if DEFAULT_PHASE not in i.phases)


@dataclass
class FakeSupabase:
    """A tiny HTTP server standing in for a target's REST and auth endpoints."""

    url: str
    statuses: dict[str, int] = field(default_factory=lambda: {"rest": 200, "auth": 200})
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def fake_supabase() -> Iterator[FakeSupabase]:
    """A fake target on a free port; set ``.statuses["auth"] = 503`` to take auth down;
    "settings" and "admin" (GoTrue's settings and admin users) answer 404 unless set. It answers
    by path alone, whatever key a request carries, and closes the connection on every POST
    without answering it."""
    fake: FakeSupabase

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.requests.append(self.path)
            if self.path.startswith("/rest/v1"):
                status = fake.statuses["rest"]
            elif self.path.startswith("/auth/v1/health"):
                status = fake.statuses["auth"]
            elif self.path.startswith("/auth/v1/settings"):
                status = fake.statuses.get("settings", 404)
            elif self.path.startswith("/auth/v1/admin/users"):
                status = fake.statuses.get("admin", 404)
            else:
                status = 404
            # A table read answers rows (none), as PostgREST does; the rest a small object.
            rows = self.path.startswith("/rest/v1/") and status == 200
            body = json.dumps([] if rows else {"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            # Every POST is dropped: read, then the connection closed without a word.
            fake.requests.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeSupabase(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The runs under test must not pick up a target from the developer's shell.
    for name in ("POSTMIGRATION_TARGET", "POSTMIGRATION_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def write_config(pytester: pytest.Pytester, url: str, *, extra: str = "") -> Path:
    """A postmigration.toml with target 'new' at ``url`` and the known secrets."""
    return pytester.makefile(
        ".toml",
        postmigration=f"""
[targets.new]
supabase_url = "{url}"
anon_key = "{ANON_KEY}"
service_role_key = "{SERVICE_KEY}"
site_url = "{url}"

[accounts.admin]
email = "admin@lms.test"
password = "{ADMIN_PASSWORD}"
{extra}
""",
    )


def passing_suite(*, except_items: tuple[str, ...] = ()) -> str:
    """Source of a test module with one passing test per checklist item."""
    lines = ["import pytest", ""]
    for item in CHECKLIST:
        if item.id in except_items:
            continue
        name = item.id.replace("-", "_")
        lines += [f'@pytest.mark.item("{item.id}")', f"def test_{name}(target):", "    pass", ""]
    return "\n".join(lines)


def failing_suite(item_id: str, message: str) -> dict[str, str]:
    """Modules for ``pytester.makepyfile``: every item passes but `item_id`, failing with `message`."""
    name = item_id.replace("-", "_")
    failing = [
        "import pytest",
        "",
        f'@pytest.mark.item("{item_id}")',
        f"def test_{name}(target):",
        f"    assert False, {message!r}",
        "",
    ]
    return {
        "test_suite": passing_suite(except_items=(item_id,)),
        f"test_{name}": "\n".join(failing),
    }


def summary(pytester: pytest.Pytester) -> dict[str, Any]:
    """The run's summary.json."""
    return json.loads((pytester.path / "reports" / "summary.json").read_text())


def item(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    """One item of a summary."""
    return next(i for i in data["items"] if i["id"] == item_id)


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run pytest in-process; pytest-playwright keeps global state, so it sits these out."""
    return pytester.runpytest("-p", "no:playwright", *args)
