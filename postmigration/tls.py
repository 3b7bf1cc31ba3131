"""DNS and TLS facts about a target's hosts, each problem in plain words."""

from __future__ import annotations

import socket
import ssl
from datetime import UTC, datetime
from urllib.parse import urlsplit

from postmigration.config import Target


def endpoints(target: Target) -> list[str]:
    """The distinct base URLs a user reaches: the API and the site."""
    urls = [target.supabase_url] + ([target.site_url] if target.site_url else [])
    seen: dict[str, None] = {}
    for url in urls:
        parts = urlsplit(url)
        seen.setdefault(f"{parts.scheme}://{parts.netloc}", None)
    return list(seen)


def dns_problems(url: str, expected_address: str | None) -> list[str]:
    """The host must resolve, and to `expected_address` when one is configured."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        return [f"{host} does not resolve: {exc.strerror}"]
    addresses = sorted({str(info[4][0]) for info in infos})
    if expected_address and expected_address not in addresses:
        return [
            f"{host} resolves to {', '.join(addresses)}, not to the new server {expected_address}"
        ]
    return []


def certificate_problems(
    url: str, *, min_days: int, timeout_s: float = 10, address: str | None = None
) -> tuple[list[str], str]:
    """Verify the certificate for the host (chain and name) and its remaining validity;
    connecting to `address` when given (a name resolved elsewhere than the machine's DNS)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context()
    try:
        with (
            socket.create_connection((address or host, port), timeout=timeout_s) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            cert = tls.getpeercert() or {}
    except ssl.SSLCertVerificationError as exc:
        return [f"the certificate of {host} is not valid: {exc.verify_message}"], ""
    except (OSError, ssl.SSLError) as exc:
        return [f"cannot open a TLS connection to {host}:{port}: {exc}"], ""
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(str(cert.get("notAfter"))), UTC)
    days = (not_after - datetime.now(UTC)).days
    facts = f"{host}: valid until {not_after:%Y-%m-%d} ({days} days left)"
    if days < min_days:
        return [
            f"the certificate of {host} expires in {days} days (on {not_after:%Y-%m-%d}); renew it"
        ], facts
    return [], facts
