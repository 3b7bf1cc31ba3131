"""DNS/SSL cutover: "Switch to new origin; verify health" — the name resolves, the certificate holds."""

from __future__ import annotations

import pytest

from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.tls import certificate_problems, dns_problems, endpoints

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("tls-dns")]


def test_names_resolve_and_certificates_hold(target: Target, evidence: Evidence) -> None:
    """Each of the target's hosts resolves (to the expected address, when set) and, on https,
    presents a certificate valid for the host that does not expire within the configured days."""
    problems: list[str] = []
    for url in endpoints(target):
        if url.startswith("http://"):
            if target.local:
                evidence.text("tls-dns", f"not applicable: {url} is a local stand-in on plain http")
                continue
            problems.append(f"{url} is served over plain http: the new origin has no TLS")
            continue
        problems += dns_problems(url, target.expected_address)
        found, facts = certificate_problems(url, min_days=target.cert_min_days)
        problems += found
        evidence.text(f"certificate of {url}", facts)
    fail_on(problems, "the new origin's DNS or TLS is not ready")
