"""Foundations: what every checklist item stands on, probed once per session.

``reachable`` (the REST API answers), ``auth`` (GoTrue's health is 200), ``database`` (a
connection with ``db_url`` runs ``select 1``; probed only when db_url is set) and
``comparison`` (the --compare-to target answers; probed only when there is one). When a
foundation is down, the tests of the items standing on it are skipped at once as blocked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import httpx
import psycopg

from postmigration.config import Target
from postmigration.keys import api_headers
from postmigration.redact import Redactor

__all__ = ["FOUNDATION_TITLES", "Foundation", "probe_all"]

FOUNDATION_TITLES = {
    "reachable": "target unreachable",
    "auth": "auth down",
    "database": "database unreachable",
    "comparison": "comparison target unreachable",
}
_TIMEOUT = httpx.Timeout(5.0, connect=5.0)


@dataclass(frozen=True)
class Foundation:
    """The outcome of one probe: ``ok`` False means dependent items are blocked."""

    name: str
    ok: bool
    detail: str

    @property
    def blocked_reason(self) -> str:
        """The one line a dependent item reports, e.g. ``blocked by: auth down (… → 503)``."""
        return f"blocked by: {FOUNDATION_TITLES[self.name]} ({self.detail})"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict, to hand the result to xdist workers."""
        return asdict(self)


def _http_probe(name: str, client: httpx.Client, url: str, headers: dict[str, str]) -> Foundation:
    try:
        response = client.get(url, headers=headers)
    except httpx.TimeoutException:
        return Foundation(name, False, f"GET {url}: no answer within 5s")
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return Foundation(name, False, f"GET {url}: {reason}")
    # /rest/v1/ answers 200 (its OpenAPI) or 401/403 when the key may not read the schema;
    # a 404 means nothing Supabase-like lives at that URL.
    good = response.status_code == 200 or (name != "auth" and response.status_code in (401, 403))
    detail = f"GET {url} → {response.status_code}"
    return Foundation(name, good, detail)


def _api_probes(target: Target, client: httpx.Client, prefix: str = "") -> list[Foundation]:
    headers = api_headers(target.public_key)
    base = target.supabase_url
    reachable = _http_probe(prefix or "reachable", client, f"{base}/rest/v1/", headers)
    if prefix:
        return [reachable]
    auth = _http_probe("auth", client, f"{base}/auth/v1/health", headers)
    return [reachable, auth]


def _database_probe(name: str, db_url: str) -> Foundation:
    try:
        with psycopg.connect(db_url, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Foundation(name, False, first_line)
    return Foundation(name, True, "select 1 answered")


def probe_all(
    target: Target, comparison: Target | None, redactor: Redactor
) -> dict[str, Foundation]:
    """Probe every foundation of this run; details are scrubbed of secrets."""
    results: list[Foundation] = []
    with httpx.Client(timeout=_TIMEOUT) as client:
        results += _api_probes(target, client)
        if target.db_url:
            results.append(_database_probe("database", target.db_url))
        if comparison is not None:
            compared = _api_probes(comparison, client, prefix="comparison")[0]
            if compared.ok and comparison.db_url:
                compared = _database_probe("comparison", comparison.db_url)
            results.append(compared)
    return {f.name: Foundation(f.name, f.ok, redactor.scrub(f.detail)) for f in results}
