"""The move teams make with Supabase's current keys: legacy -> legacy, legacy -> new, new -> new.

Each clean playbook run is GO with every item passed (but the two not applicable locally). On the new -> new run, four ways the keys
go wrong at a move, each NO-GO on its own item in the user's words: the secret key revoked on
new, the web app built with old's publishable key, a function verifying JWTs (which refuses the
new keys), and a JWKS nobody serves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from selftests.gate.conftest import (
    ServingPlaybook,
    SuiteRun,
    assert_clean_go,
    gate_on,
    serving_playbook,
)

SESSIONS_END = "every existing session ends at cutover"


def _clean_gate(playbook: ServingPlaybook, report_dir: Path, new_keys: str) -> None:
    """The whole gate on new, compared with old: a clean GO, the summary naming the
    keys used, and the report warning that old's sessions end (old and new never share a key)."""
    run = gate_on(playbook, report_dir)
    assert_clean_go(run)
    assert run.summary["target"]["api_keys"] == new_keys
    assert SESSIONS_END in (report_dir / "go-no-go.html").read_text()
    for secret in playbook.secrets():
        assert secret not in run.report_texts(), "a key or password reached the report"


@pytest.mark.parametrize(("old_keys", "new_keys"), [("legacy", "legacy"), ("legacy", "new")])
def test_clean_move_is_go(tmp_path: Path, old_keys: str, new_keys: str) -> None:
    """legacy -> legacy and legacy -> new (the move teams make today): a clean GO."""
    extra = (f"--old-keys={old_keys}", f"--new-keys={new_keys}")
    with serving_playbook(tmp_path / "state", extra=extra) as playbook:
        assert ("publishable_key" in playbook.target("new")) == (new_keys == "new")
        _clean_gate(playbook, tmp_path / "reports", new_keys)


@pytest.fixture(scope="module")
def new_to_new(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServingPlaybook]:
    """A clean playbook run between two projects with only the current keys."""
    state = tmp_path_factory.mktemp("keys-new-to-new") / "state"
    with serving_playbook(state, extra=("--old-keys=new", "--new-keys=new")) as running:
        yield running


def test_clean_new_to_new_is_go(new_to_new: ServingPlaybook, tmp_path: Path) -> None:
    """new -> new: a clean GO, functions deployed without JWT verification."""
    assert "anon_key" not in new_to_new.target("new")
    _clean_gate(new_to_new, tmp_path / "reports", "new")


def _failed_item(run: SuiteRun, item_id: str) -> str:
    """The reason of `item_id`, which must have failed, holding the gate at NO-GO."""
    item = run.item(item_id)
    assert item["status"] == "failed" and run.verdict == "NO-GO", run.digest()
    return str(item["reason"])


def test_revoked_secret_key_is_no_go_on_api_keys(
    new_to_new: ServingPlaybook, tmp_path: Path
) -> None:
    """The config holds a secret key new no longer has (revoked at the move): api-keys fails
    naming the setting and the variable to fix, never the key."""
    config = new_to_new.config_path.read_text()
    head, _, new_table = config.partition("[targets.new]")
    revoked = "sb_secret_RevokedAtTheMove000000_abcdefgh"
    new_table = re.sub(r'secret_key = "sb_secret_[^"]+"', f'secret_key = "{revoked}"', new_table)
    path = tmp_path / "revoked.toml"
    path.write_text(f"{head}[targets.new]{new_table}")
    run = gate_on(new_to_new, tmp_path / "reports", "tests/smoke/test_api_keys.py", config=path)
    reason = _failed_item(run, "api-keys")
    assert "new refuses the configured secret_key (401: Invalid API key)" in reason, reason
    assert "NEW_SUPABASE_SECRET_KEY" in reason and revoked not in run.report_texts()


def test_disabled_legacy_keys_warn_unless_the_app_ships_them(
    new_to_new: ServingPlaybook, tmp_path: Path
) -> None:
    """New's legacy keys (disabled there) configured beside its current ones: api-keys passes
    with the warning in the report; with `app_ships_legacy_keys = true` it fails."""
    minted = json.loads((new_to_new.state_dir / "new" / "secrets.json").read_text())
    head, _, new_table = new_to_new.config_path.read_text().partition("[targets.new]")
    legacy = (
        f'anon_key = "{minted["anon_key"]}"\nservice_role_key = "{minted["service_role_key"]}"\n'
    )
    reasons = {}
    for ships in (False, True):
        path = tmp_path / f"both-{ships}.toml"
        flag = "app_ships_legacy_keys = true\n" if ships else ""
        path.write_text(f"{head}[targets.new]\n{legacy}{flag}{new_table.lstrip()}")
        report_dir = tmp_path / f"reports-{ships}"
        run = gate_on(new_to_new, report_dir, "tests/smoke/test_api_keys.py", config=path)
        assert run.summary["target"]["api_keys"] == "both"
        reasons[ships] = run.item("api-keys")
        if not ships:
            assert reasons[ships]["status"] == "passed", run.digest()
            assert "legacy API keys disabled" in (report_dir / "go-no-go.html").read_text()
    assert reasons[True]["status"] == "failed"
    assert "the config says the app still ships them" in reasons[True]["reason"]


def test_app_built_with_old_publishable_key_is_no_go_on_app_deploy(
    new_to_new: ServingPlaybook, tmp_path: Path
) -> None:
    """The web app deployed on new still carries old's publishable key: app-deploy fails
    saying the app sends a key that is not new's."""
    deployed = new_to_new.state_dir / "new" / "web-config.json"
    deployed.write_text(json.dumps({"anonKey": new_to_new.target("old")["publishable_key"]}))
    try:
        run = gate_on(new_to_new, tmp_path / "reports", "tests/e2e/test_app_deploy.py")
    finally:
        deployed.unlink()
    reason = _failed_item(run, "app-deploy")
    assert "the app sends an API key that is not one of new's" in reason, reason


def test_function_verifying_jwts_is_no_go_on_edge_functions(
    new_to_new: ServingPlaybook, tmp_path: Path
) -> None:
    """goal-notifications redeployed with JWT verification on a project with only the new keys:
    edge-functions fails with Supabase's code and the fix."""
    deployed = new_to_new.state_dir / "new" / "functions.toml"
    clean = deployed.read_text()
    deployed.write_text(clean.replace("verify_jwt = false", "verify_jwt = true", 1))
    try:
        run = gate_on(new_to_new, tmp_path / "reports", "tests/edge_functions/test_deploy.py")
    finally:
        deployed.write_text(clean)
    reason = _failed_item(run, "edge-functions")
    assert "refuses the new API keys (UNAUTHORIZED_INVALID_JWT_FORMAT)" in reason, reason
    assert "turn off its JWT verification" in reason, reason


def test_jwks_not_served_is_no_go_on_api_keys(new_to_new: ServingPlaybook, tmp_path: Path) -> None:
    """new's gateway does not route /auth/v1/.well-known/jwks.json: api-keys fails saying
    user tokens cannot be verified."""
    routes = new_to_new.state_dir / "new" / "gateway.json"
    routes.write_text(json.dumps({"serve_jwks": False}))
    try:
        run = gate_on(new_to_new, tmp_path / "reports", "tests/smoke/test_api_keys.py")
    finally:
        routes.unlink()
    reason = _failed_item(run, "api-keys")
    assert "jwks.json answered 404: the JWKS is not served" in reason, reason
