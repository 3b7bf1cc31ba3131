"""The machine's network trust, handed to every tool the stand-in starts.

A company network often sends outbound HTTPS through a proxy with its own certificate
authority; the machine then trusts it through these variables. A child process started with a
bare environment (a Deno worker, Deno's cache step) would not, and its first npm fetch fails.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# How to reach registries and whom to trust there: never credentials of the machine.
TRUST_VARIABLES = (
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "DENO_CERT",
    "DENO_TLS_CA_STORE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
)


def trust_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The trust and proxy variables of `environ` (default: this process's), for a child.

    Deno reads its extra CA bundle from DENO_CERT; when only SSL_CERT_FILE or
    NODE_EXTRA_CA_CERTS names one, DENO_CERT is set to it so Deno trusts the same CA.
    """
    source = os.environ if environ is None else environ
    found = {name: source[name] for name in TRUST_VARIABLES if source.get(name)}
    if "DENO_CERT" not in found:
        bundle = found.get("NODE_EXTRA_CA_CERTS") or found.get("SSL_CERT_FILE")
        if bundle:
            found["DENO_CERT"] = bundle
    return found
