"""What the nightly phase waives without an old server, and what stands in for old instead."""

from __future__ import annotations

from postmigration.checklist import NIGHTLY_WAIVER, phase_waivers


def test_at_night_the_app_s_declarations_stand_in_for_old() -> None:
    """function-secrets and auth-settings are each waived at night only when the app declares
    nothing for them (secrets it lists, its supabase/config.toml); with old (or in another
    phase) nothing is waived; storage-parity is waived either way."""
    both = phase_waivers(
        "nightly", schema_snapshot=True, declared={"function-secrets", "auth-settings"}
    )
    secrets_only = phase_waivers("nightly", schema_snapshot=True, declared={"function-secrets"})
    none_declared = phase_waivers("nightly", schema_snapshot=True)
    assert "function-secrets" not in both and "auth-settings" not in both
    assert "function-secrets" not in secrets_only
    assert secrets_only["auth-settings"] == NIGHTLY_WAIVER
    assert none_declared["function-secrets"] == none_declared["auth-settings"] == NIGHTLY_WAIVER
    assert both["storage-parity"] == none_declared["storage-parity"] == NIGHTLY_WAIVER
    assert phase_waivers("nightly", schema_snapshot=True, compared=True) == {}
    assert phase_waivers("post-cutover") == {}


def test_only_items_that_take_a_declaration_are_unwaived_by_one() -> None:
    """Naming an item that has no declared stand-in (storage-parity) waives it all the same."""
    waivers = phase_waivers("nightly", schema_snapshot=True, declared={"storage-parity"})
    assert waivers["storage-parity"] == NIGHTLY_WAIVER
