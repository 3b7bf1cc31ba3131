"""Foundations: what every checklist item stands on, probed once per session.

``reachable`` (the REST API answers), ``auth`` (GoTrue's health is 200; then, with an
``[accounts.user]``, a token Auth issues to it verifies as clients verify it, against the JWKS
for ES256/RS256: a problem there is held on the foundation, which stays up, and reported by
the ``api-keys`` item), ``database`` (a
connection with ``db_url`` runs ``select 1``; probed only when db_url is set) and
``comparison`` (the --compare-to target answers; probed only when there is one). The probes
run side by side, each bounded by 5 s. When a foundation is down, the tests of the items
standing on it are skipped at once as blocked; when the target's API or auth is down, the gate
stops early: every other test is skipped, saying so (the verdict is NO-GO already), but
tls-dns, which may say why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import psycopg

from postmigration.config import Account, Target
from postmigration.keys import api_headers
from postmigration.redact import Redactor
from postmigration.signing import check_signing
from postmigration.trust import http_client

__all__ = [
    "DATABASE_CONNECT_TIMEOUT_S",
    "FOUNDATION_TITLES",
    "RUN_WHEN_STOPPED",
    "TARGET_FOUNDATIONS",
    "Foundation",
    "answer_to_get",
    "database_error",
    "probe_all",
    "stopped_by",
]

FOUNDATION_TITLES = {
    "reachable": "target unreachable",
    "auth": "auth down",
    "database": "database unreachable",
    "comparison": "comparison target unreachable",
}
# The target's API and auth: with one of them down the verdict is NO-GO and every other test
# would only wait on them, so the run stops early. A database that is out of reach (db_url is
# often a direct port closed to this machine) blocks its own items and the rest still runs.
TARGET_FOUNDATIONS = ("reachable", "auth")
# Still run when the gate stops early: what it finds (DNS pointing elsewhere, a broken
# certificate) is often why the target is down. It waits at most its own connect timeout.
RUN_WHEN_STOPPED = ("tls-dns",)
_TIMEOUT = httpx.Timeout(5.0, connect=5.0)


@dataclass(frozen=True)
class Foundation:
    """The outcome of one probe: ``ok`` False means dependent items are blocked; ``problem``
    is what is wrong on a foundation that stands (the gate goes on, an item reports it)."""

    name: str
    ok: bool
    detail: str
    problem: str = ""

    @property
    def blocked_reason(self) -> str:
        """The one line a dependent item reports, e.g. ``blocked by: auth down (… → 503)``."""
        return f"blocked by: {FOUNDATION_TITLES[self.name]} ({self.detail})"

    @property
    def stopped_reason(self) -> str:
        """The one line every other item reports when this target foundation is down."""
        return f"the gate stopped early, {FOUNDATION_TITLES[self.name]} ({self.detail})"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict, to hand the result to xdist workers."""
        return asdict(self)


def answer_to_get(
    client: httpx.Client,
    url: str,
    headers: dict[str, str],
    timeout: httpx.Timeout | None = None,
) -> tuple[int | None, str]:
    """``GET url``: its status and ``GET url → status``, or None and ``GET url: why`` when
    nothing answered (within the timeout, the client's by default)."""
    limit = timeout or client.timeout
    try:
        response = client.get(url, headers=headers, timeout=limit)
    except httpx.TimeoutException:
        return None, f"GET {url}: no answer within {limit.read:.0f}s"
    except httpx.HTTPError as exc:
        return None, f"GET {url}: {str(exc) or type(exc).__name__}"
    return response.status_code, f"GET {url} → {response.status_code}"


def _http_probe(name: str, client: httpx.Client, url: str, headers: dict[str, str]) -> Foundation:
    status, detail = answer_to_get(client, url, headers)
    # /rest/v1/ answers 200 (its OpenAPI) or 401/403 when the key may not read the schema;
    # a 404 means nothing Supabase-like lives at that URL.
    good = status == 200 or (name != "auth" and status in (401, 403))
    return Foundation(name, good, detail)


# How long a database that accepts connections but never answers is waited for, by this probe
# and by the run lock (which goes first: its failure stands for this probe's, see probe_all).
DATABASE_CONNECT_TIMEOUT_S = 5


def database_error(exc: psycopg.Error) -> str:
    """A database connection's failure in the foundations' words: libpq's first line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _database_probe(name: str, db_url: str) -> Foundation:
    try:
        with psycopg.connect(db_url, connect_timeout=DATABASE_CONNECT_TIMEOUT_S) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return Foundation(name, False, database_error(exc))
    return Foundation(name, True, "select 1 answered")


def _auth_probe(client: httpx.Client, target: Target, account: Account | None) -> Foundation:
    """Auth's health, then (with an account) how the token it issues verifies."""
    health = _http_probe(
        "auth", client, f"{target.supabase_url}/auth/v1/health", api_headers(target.public_key)
    )
    if not health.ok:
        return health
    if account is None:
        return Foundation("auth", True, f"{health.detail}; no [accounts.user]: tokens not checked")
    signing = check_signing(client, target, account)
    return Foundation(
        "auth", True, f"{health.detail}; user token {signing.summary}", "; ".join(signing.problems)
    )


def probe_all(
    target: Target,
    comparison: Target | None,
    redactor: Redactor,
    account: Account | None = None,
    database_down: str | None = None,
) -> dict[str, Foundation]:
    """Probe every foundation of this run side by side (a target that never answers costs one
    timeout, not one per probe), the auth one signing `account` in (the `user` account) to
    verify its token; details are scrubbed of secrets. `database_down`: why the run lock could
    not connect to the target's database moments ago; it is that foundation's result, instead
    of waiting a second time for a database that does not answer."""
    with http_client(timeout=_TIMEOUT) as client:

        def api(name: str, of: Target, path: str) -> Callable[[], Foundation]:
            return lambda: _http_probe(
                name, client, f"{of.supabase_url}{path}", api_headers(of.public_key)
            )

        probes: dict[str, Callable[[], Foundation]] = {
            "reachable": api("reachable", target, "/rest/v1/"),
            "auth": lambda: _auth_probe(client, target, account),
        }
        if target.db_url and database_down is not None:
            probes["database"] = lambda: Foundation("database", False, database_down)
        elif target.db_url:
            probes["database"] = lambda: _database_probe("database", str(target.db_url))
        if comparison is not None:
            probes["comparison"] = lambda: _comparison_probe(client, comparison)
        with ThreadPoolExecutor(max_workers=len(probes)) as pool:
            futures = {name: pool.submit(probe) for name, probe in probes.items()}
            results = [future.result() for future in futures.values()]
    return {
        f.name: Foundation(f.name, f.ok, redactor.scrub(f.detail), redactor.scrub(f.problem))
        for f in results
    }


def _comparison_probe(client: httpx.Client, comparison: Target) -> Foundation:
    """The old server's REST API answers, then (with a db_url) its database."""
    headers = api_headers(comparison.public_key)
    answered = _http_probe("comparison", client, f"{comparison.supabase_url}/rest/v1/", headers)
    if answered.ok and comparison.db_url:
        return _database_probe("comparison", comparison.db_url)
    return answered


def stopped_by(foundations: Mapping[str, Foundation]) -> Foundation | None:
    """The target's API or auth foundation when it is down (the API first): the run stops."""
    for name in TARGET_FOUNDATIONS:
        foundation = foundations.get(name)
        if foundation is not None and not foundation.ok:
            return foundation
    return None
