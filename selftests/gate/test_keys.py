"""The move teams make with Supabase's current keys: legacy -> legacy, legacy -> new, new -> new.

Each clean playbook run is GO with every item passed (but those not applicable locally), and
warns that old's sessions end. On the new -> new run, new's legacy keys configured beside its
current ones (disabled there) are a warning, a failure when the app still ships them. The four
ways the keys go wrong at a move (secret key revoked, the app built with old's publishable key,
a function verifying JWTs, the JWKS not served) are playbook faults, run with the catalogue
(FAULTS in test_verdicts.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from selftests.gate.conftest import (
    ServingPlaybook,
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
