"""The one TLS trust every HTTP client of the suite verifies servers against.

Building an ``ssl.SSLContext`` loads the whole CA bundle (SSL_CERT_FILE's, or certifi's): about
10 ms of CPU each time, and the suite opened a client, so a context, for nearly every request
it sent through ``httpx.get``/``httpx.post`` and for every supabase-py client. One context per
process, shared by every client (an ``SSLContext`` is safe to share between connections and
threads), verifies exactly as httpx's own default would.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any

import httpx

from postmigration.resend import ResendingTransport

__all__ = ["http_client", "trust"]


@functools.cache
def trust() -> ssl.SSLContext:
    """The process's CA trust, built once: httpx's default (SSL_CERT_FILE or SSL_CERT_DIR when
    set, else certifi's bundle), with certificate and host name checks on."""
    return httpx.create_ssl_context()


def http_client(**options: Any) -> httpx.Client:
    """An ``httpx.Client`` with `options` that verifies servers against :func:`trust` and sends
    a request again when a kept-alive connection is closed under it (:mod:`postmigration.resend`)."""
    # verify= too: the transports httpx mounts for proxies named in the environment use it.
    return httpx.Client(verify=trust(), transport=ResendingTransport(verify=trust()), **options)
