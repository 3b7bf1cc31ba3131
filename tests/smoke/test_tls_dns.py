"""DNS/SSL cutover: "Switch to new origin; verify health" — the name resolves, the certificate holds."""

from __future__ import annotations

import pytest

from postmigration.applicability import is_loopback, not_applicable
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.tls import certificate_problems, dns_problems, endpoints

pytestmark = [
    pytest.mark.postmigration,
    pytest.mark.smoke,
    pytest.mark.slow,
    pytest.mark.item("tls-dns"),
]


def test_names_resolve_and_certificates_hold(target: Target, evidence: Evidence) -> None:
    """Each of the target's hosts resolves (to the expected address, when set) and presents,
    over https, a certificate valid for the host that does not expire within the configured
    days. Plain http fails, except on this machine's loopback address (the local stand-in),
    where the item is not applicable: no configuration setting grants that."""
    urls = endpoints(target)
    if all(url.startswith("http://") and is_loopback(url) for url in urls):
        not_applicable(
            f"{', '.join(urls)} is this machine (loopback) on plain http: no TLS to check"
        )
    problems: list[str] = []
    for url in urls:
        if url.startswith("http://"):
            problems.append(f"{url} is served over plain http, not https")
            continue
        problems += dns_problems(url, target.expected_address)
        found, facts = certificate_problems(url, min_days=target.cert_min_days)
        problems += found
        evidence.text(f"certificate of {url}", facts)
    fail_on(problems, "the new origin's DNS or TLS is not ready")
