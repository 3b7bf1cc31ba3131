"""One TLS trust per process: every client of the suite shares it, and it still verifies."""

from __future__ import annotations

import ast
import ssl
from pathlib import Path

import postmigration
from postmigration.trust import http_client, trust

PACKAGE = Path(postmigration.__file__).parent
# httpx's module-level helpers and its Client each build a new SSLContext unless given one.
_OPENS_A_CLIENT = {
    "Client",
    "AsyncClient",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "request",
    "stream",
}


def test_every_client_shares_one_verifying_context() -> None:
    """Two clients verify with the same context, which checks certificates and host names."""
    first, second = http_client(), http_client(timeout=3)
    try:
        contexts = {id(c._transport._pool._ssl_context) for c in (first, second)}
        assert contexts == {id(trust())}, "a client built its own TLS context"
        assert trust().verify_mode == ssl.CERT_REQUIRED, "the shared context verifies nothing"
        assert trust().check_hostname, "the shared context does not check host names"
    finally:
        first.close()
        second.close()


def test_no_module_opens_an_httpx_client_without_the_shared_trust() -> None:
    """Every ``httpx.Client(...)``/``httpx.get(...)`` in the package passes ``verify=`` (the
    shared :func:`trust`, or ``False`` where a probe means not to verify)."""
    unshared = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "httpx"
                and node.func.attr in _OPENS_A_CLIENT
                and not any(k.arg == "verify" for k in node.keywords)
            ):
                unshared.append(f"{path.relative_to(PACKAGE)}:{node.lineno} httpx.{node.func.attr}")
    assert unshared == [], f"clients that build their own TLS context: {unshared}"
