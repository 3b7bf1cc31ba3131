"""What the nightly phase waives without an old server, and what stands in for old instead."""

from __future__ import annotations

from postmigration.checklist import NIGHTLY_WAIVER, phase_waivers


def test_at_night_the_app_s_declared_secrets_stand_in_for_old_s() -> None:
    """function-secrets is waived at night only when the app declares no secrets; with old
    (or in another phase) nothing is waived; storage-parity is waived either way."""
    declared = phase_waivers("nightly", schema_snapshot=True, declared=True)
    none_declared = phase_waivers("nightly", schema_snapshot=True, declared=False)
    assert "function-secrets" not in declared
    assert none_declared["function-secrets"] == NIGHTLY_WAIVER
    assert declared["storage-parity"] == none_declared["storage-parity"] == NIGHTLY_WAIVER
    assert phase_waivers("nightly", schema_snapshot=True, compared=True, declared=False) == {}
    assert phase_waivers("post-cutover", declared=False) == {}
