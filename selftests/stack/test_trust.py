"""The machine's CA bundle and proxy reach Deno: its cache step, given the bundle only through
SSL_CERT_FILE (as on a company network whose proxy has its own CA), fetches the functions'
npm dependencies into an empty cache; a failure is one line saying what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reference.stack.trust import TRUST_VARIABLES, trust_environment

ROOT = Path(__file__).resolve().parents[2]


def test_a_bundle_named_once_reaches_deno_and_credentials_stay_behind() -> None:
    """SSL_CERT_FILE alone becomes DENO_CERT too; proxies pass; other variables do not."""
    given = {
        "SSL_CERT_FILE": "/etc/company/ca.pem",
        "HTTPS_PROXY": "http://proxy:3128",
        "AWS_SECRET_ACCESS_KEY": "never",
        "NEW_SUPABASE_SERVICE_ROLE_KEY": "never",
    }
    env = trust_environment(given)
    assert env == {
        "SSL_CERT_FILE": "/etc/company/ca.pem",
        "DENO_CERT": "/etc/company/ca.pem",
        "HTTPS_PROXY": "http://proxy:3128",
    }
    assert trust_environment({"DENO_CERT": "/a", "SSL_CERT_FILE": "/b"})["DENO_CERT"] == "/a"
    assert set(env) <= {*TRUST_VARIABLES}


def _cache(env: dict[str, str], deno_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reference.stack.deno", "cache"],
        cwd=ROOT,
        env={**env, "DENO_DIR": str(deno_dir)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _bare_environment() -> dict[str, str]:
    """This process's environment without any trust or proxy variable (nor pip's or curl's)."""
    dropped = {*TRUST_VARIABLES, "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}
    return {k: v for k, v in os.environ.items() if k not in dropped}


def test_deno_cache_fetches_with_the_bundle_given_only_as_ssl_cert_file(tmp_path: Path) -> None:
    """An empty Deno cache is filled with only SSL_CERT_FILE naming the machine's bundle."""
    bundle = os.environ.get("SSL_CERT_FILE") or os.environ.get("NODE_EXTRA_CA_CERTS")
    if not bundle:
        pytest.skip("this machine names no CA bundle (SSL_CERT_FILE / NODE_EXTRA_CA_CERTS)")
    proxies = {
        k: os.environ[k] for k in TRUST_VARIABLES if "proxy" in k.lower() and k in os.environ
    }
    done = _cache({**_bare_environment(), **proxies, "SSL_CERT_FILE": bundle}, tmp_path / "deno")
    assert done.returncode == 0, done.stderr
    assert "cached the dependencies of: goal-notifications" in done.stdout
    assert list((tmp_path / "deno").rglob("supabase-js*")), "nothing was fetched into the cache"


def test_deno_cache_without_the_bundle_fails_in_one_line_or_needs_none(tmp_path: Path) -> None:
    """Without any trust variable the step either works (no proxy CA on this machine) or stops
    with one line that names the package and the variables to set, never a stack trace."""
    done = _cache(_bare_environment(), tmp_path / "deno")
    if done.returncode == 0:
        return
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "@supabase/supabase-js" in lines[0] and "SSL_CERT_FILE" in lines[0], lines[0]
