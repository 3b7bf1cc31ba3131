"""The stand-in's API keys and token signing in each `--keys` mode, judged by supabase-py.

`both` (the default, the shared `stack`): legacy JWT keys and `sb_publishable_`/`sb_secret_`
keys both work; user tokens are ES256 with a `kid` published in the JWKS. `new`: the legacy keys
are refused as disabled. `legacy`: HS256 only, an empty JWKS, no `sb_` key accepted. The
gateway's rules for the current keys: `apikey` only, as a Bearer only when equal to it, never a
secret key from a browser; functions verifying JWTs refuse them as Supabase does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from supabase import Client, create_client

from reference.stack.runner import StackProcess

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126"
INVALID_JWT_FORMAT = {"code": "UNAUTHORIZED_INVALID_JWT_FORMAT", "message": "Invalid JWT"}
# supabase-js under Deno: sign in with the given key, then getClaims() (through the JWKS for an
# ES256 token, through Auth for HS256); prints the token's alg and the verified role.
SUPABASE_JS_CLAIMS = """
import { createClient } from "npm:@supabase/supabase-js@2";
const [url, key, email, password] = Deno.args;
const sb = createClient(url, key, { auth: { persistSession: false, autoRefreshToken: false } });
const signed = await sb.auth.signInWithPassword({ email, password });
const token = signed.data.session?.access_token ?? "";
const claims = await sb.auth.getClaims();
console.log(JSON.stringify({
  alg: token ? JSON.parse(atob(token.split(".")[0])).alg : String(signed.error),
  role: claims.data?.claims?.role ?? String(claims.error),
}));
"""


def _keys(stack: StackProcess) -> tuple[str, str]:
    target = stack.target
    return str(target["publishable_key"]), str(target["secret_key"])


def _signed_in(url: str, key: str, account: dict[str, str]) -> tuple[Client, str]:
    client = create_client(url, key)
    answer = client.auth.sign_in_with_password(
        {"email": account["email"], "password": account["password"]}
    )
    assert answer.session is not None
    return client, answer.session.access_token


def _js_claims(tmp_path: Path, url: str, key: str, account: dict[str, str]) -> dict[str, str]:
    """What supabase-js (npm, under a real Deno) says after signing in and calling getClaims()."""
    script = tmp_path / "claims.ts"
    script.write_text(SUPABASE_JS_CLAIMS)
    deno = Path(sys.executable).parent / "deno"
    args = [str(deno), "run", "-A", str(script), url, key, account["email"], account["password"]]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def new_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A project with only the current keys (`--keys=new`); goal-notifications deployed without
    JWT verification (`functions.toml`), as the current keys require."""
    state = Path(tmp_path_factory.mktemp("keys-new"))
    (state / "functions.toml").write_text("[functions.goal-notifications]\nverify_jwt = false\n")
    with StackProcess(state, extra_args=("--keys=new",)) as running:
        yield running


@pytest.fixture(scope="module")
def legacy_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A bare project with only the legacy keys and HS256 signing (`--keys=legacy`)."""
    state = Path(tmp_path_factory.mktemp("keys-legacy"))
    with StackProcess(state, extra_args=("--keys=legacy", "--bare")) as running:
        yield running


def test_both_supabase_py_works_with_each_kind_of_key(
    stack: StackProcess, accounts: dict[str, dict[str, str]]
) -> None:
    """With `both`, supabase-py reads as the publishable key, administers users with the secret
    key, and the legacy keys still work beside them."""
    publishable, secret = _keys(stack)
    assert publishable.startswith("sb_publishable_") and secret.startswith("sb_secret_")
    for key in (publishable, str(stack.target["anon_key"])):
        visitor = create_client(stack.url, key)
        assert visitor.table("courses").select("id").limit(1).execute().data is not None
    for key in (secret, str(stack.target["service_role_key"])):
        admin = create_client(stack.url, key)
        assert admin.auth.admin.list_users(page=1, per_page=1)
        assert admin.table("profiles").select("id").limit(1).execute().data


def test_both_user_tokens_verify_through_the_jwks(
    stack: StackProcess, accounts: dict[str, dict[str, str]]
) -> None:
    """A session token is ES256 with a published kid; supabase-py's get_claims verifies it
    through the JWKS, and refuses the same token with a forged payload."""
    publishable, _ = _keys(stack)
    client, token = _signed_in(stack.url, publishable, accounts["user"])
    header = jwt.get_unverified_header(token)
    jwks = httpx.get(f"{stack.url}/auth/v1/.well-known/jwks.json").json()
    assert header["alg"] == "ES256"
    assert [(k["kid"], k["alg"], k["kty"], k["crv"]) for k in jwks["keys"]] == [
        (header["kid"], "ES256", "EC", "P-256")
    ]
    claims = client.auth.get_claims(token)
    assert claims is not None and claims["claims"]["email"] == accounts["user"]["email"]
    head, payload, signature = token.split(".")
    raised = {**jwt.decode(token, options={"verify_signature": False}), "role": "service_role"}
    forged_payload = jwt.utils.base64url_encode(json.dumps(raised).encode()).decode()
    forged = f"{head}.{forged_payload}.{signature}"
    with pytest.raises(Exception, match="signature"):
        client.auth.get_claims(forged)


def test_both_supabase_js_get_claims_with_the_publishable_key(
    stack: StackProcess, accounts: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    """With `both`, supabase-js in Deno signs in with the publishable key and getClaims()
    verifies the ES256 token through the JWKS."""
    found = _js_claims(tmp_path, stack.url, _keys(stack)[0], accounts["user"])
    assert found == {"alg": "ES256", "role": "authenticated"}


def test_current_key_as_bearer_only_when_equal_to_apikey(stack: StackProcess) -> None:
    """`apikey: sb_publishable_…` with the same key as Bearer is anon; a different `sb_` key as
    the Bearer is refused, so a secret key cannot ride along as a token."""
    publishable, secret = _keys(stack)
    url = f"{stack.url}/rest/v1/courses?select=id&limit=1"
    same = httpx.get(url, headers={"apikey": publishable, "Authorization": f"Bearer {publishable}"})
    assert same.status_code == 200, same.text
    alone = httpx.get(url, headers={"apikey": publishable})
    assert alone.status_code == 200, alone.text
    other = httpx.get(url, headers={"apikey": publishable, "Authorization": f"Bearer {secret}"})
    assert other.status_code == 401 and other.json()["message"] == "Invalid API key"


def test_secret_key_from_a_browser_is_refused(stack: StackProcess) -> None:
    """A browser User-Agent with the secret key gets 401; with the publishable key it is fine."""
    publishable, secret = _keys(stack)
    url = f"{stack.url}/rest/v1/courses?select=id&limit=1"
    refused = httpx.get(url, headers={"apikey": secret, "User-Agent": BROWSER_UA})
    assert refused.status_code == 401
    assert refused.json()["message"] == "Forbidden use of secret API key in browser"
    fine = httpx.get(url, headers={"apikey": publishable, "User-Agent": BROWSER_UA})
    assert fine.status_code == 200, fine.text


def test_jwt_verifying_function_refuses_current_keys_and_takes_user_tokens(
    stack: StackProcess, accounts: dict[str, dict[str, str]]
) -> None:
    """goal-notifications verifies JWTs (the default): the secret key as the Bearer is
    Supabase's `UNAUTHORIZED_INVALID_JWT_FORMAT`; weight-report, called by supabase-py with a
    user's ES256 token, verifies it inside Deno with supabase-js's getClaims (JWKS)."""
    _, secret = _keys(stack)
    refused = httpx.post(
        f"{stack.url}/functions/v1/goal-notifications",
        json={},
        headers={"apikey": secret, "Authorization": f"Bearer {secret}"},
    )
    assert (refused.status_code, refused.json()) == (401, INVALID_JWT_FORMAT)
    client, _ = _signed_in(stack.url, _keys(stack)[0], accounts["user"])
    report = client.functions.invoke("weight-report", {"body": {}})
    assert b'"unit":"kg"' in report


def test_new_refuses_the_legacy_keys_as_disabled(new_stack: StackProcess) -> None:
    """With `--keys=new` the config carries only the current keys and a legacy key is 401
    `Legacy API keys are disabled`."""
    target = new_stack.target
    assert "anon_key" not in target and "service_role_key" not in target
    legacy_anon = json.loads((new_stack.state_dir / "secrets.json").read_text())["anon_key"]
    answer = httpx.get(f"{new_stack.url}/rest/v1/courses", headers={"apikey": legacy_anon})
    assert answer.status_code == 401
    assert answer.json()["message"] == "Legacy API keys are disabled"


def test_new_clients_and_functions_work_with_current_keys(new_stack: StackProcess) -> None:
    """With `--keys=new`: supabase-py signs in with the publishable key, verifies its token with
    get_claims (JWKS) and reads as the user;
    the function deployed without JWT verification takes the secret key in `apikey` (it gets
    SUPABASE_SECRET_KEY); weight-report takes the user's token."""
    publishable, secret = _keys(new_stack)
    client, token = _signed_in(new_stack.url, publishable, new_stack.accounts["user"])
    assert client.table("profiles").select("id").execute().data
    claims = client.auth.get_claims(token)
    assert claims is not None and claims["claims"]["role"] == "authenticated"
    service = create_client(new_stack.url, secret)
    answer = service.functions.invoke("goal-notifications", {"body": {}})
    assert b'"dry_run":true' in answer
    assert b'"unit":"kg"' in client.functions.invoke("weight-report", {"body": {}})


def test_new_supabase_js_get_claims(new_stack: StackProcess, tmp_path: Path) -> None:
    """With `--keys=new`, supabase-js in Deno signs in with the publishable key and getClaims()
    verifies the ES256 token through the JWKS."""
    found = _js_claims(tmp_path, new_stack.url, _keys(new_stack)[0], new_stack.accounts["user"])
    assert found == {"alg": "ES256", "role": "authenticated"}


def test_legacy_signs_hs256_and_knows_no_current_keys(
    legacy_stack: StackProcess, tmp_path: Path
) -> None:
    """With `--keys=legacy`: an empty JWKS, HS256 user tokens that supabase-py's get_claims and
    supabase-js's getClaims (in Deno) accept through Auth, and an `sb_` key is just an invalid
    API key."""
    target: dict[str, Any] = legacy_stack.target
    assert "publishable_key" not in target and "secret_key" not in target
    assert httpx.get(f"{legacy_stack.url}/auth/v1/.well-known/jwks.json").json() == {"keys": []}
    admin = create_client(legacy_stack.url, str(target["service_role_key"]))
    email, password = "keys-legacy@lms.test", "a-long-password-1"
    admin.auth.admin.create_user({"email": email, "password": password, "email_confirm": True})
    client, token = _signed_in(
        legacy_stack.url, str(target["anon_key"]), {"email": email, "password": password}
    )
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert client.auth.get_claims(token) is not None
    account = {"email": email, "password": password}
    found = _js_claims(tmp_path, legacy_stack.url, str(target["anon_key"]), account)
    assert found == {"alg": "HS256", "role": "authenticated"}
    stray = httpx.get(
        f"{legacy_stack.url}/rest/v1/", headers={"apikey": "sb_publishable_" + "x" * 31}
    )
    assert stray.status_code == 401 and stray.json()["message"] == "Invalid API key"
