"""dns-cutover on the shared playbook run, its public name answered by the playbook's own name
server: before the switch (name on old, low TTL) the item passes, and each DNS fault of the
playbook, as it leaves the zone, is NO-GO naming the cause: the TTL left high and the name
switched before the gate ran (pre-cutover), the name still on old after the switch
(post-cutover). The zone is put back (the name on new, as the playbook leaves it) afterwards;
the clean post-cutover pass is the one every clean GO of test_verdicts asserts.

The public name not added to new's site (the `domain-not-added` fault, as new's site-names.json
would be left) is NO-GO both before the switch (the switch would land on no site) and after it
(the name reaches new, which answers 404); new's domains are put back afterwards.
"""

from __future__ import annotations

from pathlib import Path

from reference.playbook.faults import fault_named
from reference.playbook.nameserver import (
    EVERYDAY_TTL_S,
    LOW_TTL_S,
    Zone,
    read_zone,
)
from reference.stack.settings import SITE_NAMES_FILE
from selftests.gate.conftest import ServingPlaybook, SuiteRun, gate_on, item_files

DNS_CUTOVER = item_files("dns-cutover")


def _zone_left_by(fault: str, before_switch: bool) -> Zone:
    """The zone the playbook leaves with `fault`, stopped before the switch or not."""
    spoiled = fault_named(fault)
    ttl = spoiled.public_name_ttl_s(LOW_TTL_S, EVERYDAY_TTL_S)
    on_new = spoiled.public_name_on_new(before_switch)
    aaaa_left = on_new and not spoiled.public_name_aaaa_switched()
    return Zone(
        "new" if on_new else "old",
        ttl,
        apex=spoiled.public_name_at_apex(),
        aaaa_at="old" if aaaa_left else None,
    )


def _dns_cutover(run: SuiteRun) -> dict[str, object]:
    item = run.item("dns-cutover")
    assert item["severity"] == "blocker", run.digest()
    return item


def test_dns_faults_are_no_go_naming_the_cause_and_the_zone_before_the_switch_passes(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Four gate runs on dns-cutover's files, each after one write of the zone file."""
    state = breakable.state_dir
    left = read_zone(state)
    assert left == Zone("new", LOW_TTL_S), "the clean playbook leaves the name on new, TTL 300 s"
    try:
        Zone("old", LOW_TTL_S).write(state)  # as with --before-switch
        before = gate_on(breakable, tmp_path / "pre", *DNS_CUTOVER, "--phase=pre-cutover")
        assert _dns_cutover(before)["status"] == "passed", before.digest()

        _zone_left_by("dns-ttl-high", before_switch=True).write(state)
        high = _dns_cutover(
            gate_on(breakable, tmp_path / "ttl", *DNS_CUTOVER, "--phase=pre-cutover")
        )
        assert high["status"] == "failed", high
        assert "app.lms.test has a TTL of 3600 s, above the 300 s allowed" in str(high["reason"])

        _zone_left_by("dns-switched-early", before_switch=True).write(state)
        early = _dns_cutover(
            gate_on(breakable, tmp_path / "early", *DNS_CUTOVER, "--phase=pre-cutover")
        )
        assert early["status"] == "failed", early
        assert "app.lms.test already resolves to new (CNAME to new.lms.test): switched before" in (
            str(early["reason"])
        )

        _zone_left_by("dns-not-switched", before_switch=False).write(state)
        after = _dns_cutover(gate_on(breakable, tmp_path / "post", *DNS_CUTOVER))
        assert after["status"] == "failed", after
        assert str(after["reason"]).startswith(
            "app.lms.test still resolves to old (CNAME to old.lms.test)"
        )
    finally:
        left.write(state)


def test_an_apex_name_switched_by_its_a_record_alone_is_no_go_and_whole_switches_pass(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The public name at a zone apex (its own A and AAAA records): on old before the switch and
    on new after it, both records alike, it passes; with the AAAA record left on old after the
    switch (the `dns-aaaa-left-on-old` fault's zone) it is NO-GO, naming both records, also
    without --compare-to (where old is unknown); and with only the AAAA record on new before
    the switch, NO-GO as switched in part."""
    state = breakable.state_dir
    left = read_zone(state)
    try:
        Zone("old", LOW_TTL_S, apex=True).write(state)
        before = gate_on(breakable, tmp_path / "pre", *DNS_CUTOVER, "--phase=pre-cutover")
        assert _dns_cutover(before)["status"] == "passed", before.digest()

        Zone("old", LOW_TTL_S, apex=True, aaaa_at="new").write(state)
        early = _dns_cutover(
            gate_on(breakable, tmp_path / "early", *DNS_CUTOVER, "--phase=pre-cutover")
        )
        assert early["status"] == "failed", early
        assert "already resolves to new for some clients (its A records lead to old" in str(
            early["reason"]
        ), early

        Zone("new", LOW_TTL_S, apex=True).write(state)
        after = gate_on(breakable, tmp_path / "post", *DNS_CUTOVER)
        assert _dns_cutover(after)["status"] == "passed", after.digest()

        _zone_left_by("dns-aaaa-left-on-old", before_switch=False).write(state)
        assert read_zone(state) == Zone("new", LOW_TTL_S, apex=True, aaaa_at="old")
        half = _dns_cutover(gate_on(breakable, tmp_path / "half", *DNS_CUTOVER))
        assert half["status"] == "failed", half
        reason = str(half["reason"])
        assert reason.startswith("app.lms.test does not resolve to new's origin"), reason
        assert (
            "its A records lead to new (address 127.0.0.1 of new.lms.test), its AAAA records to "
            "old (address fd00::2 of old.lms.test)"
        ) in reason, reason

        alone = gate_on(breakable, tmp_path / "alone", *DNS_CUTOVER, compare=False)
        reason = str(_dns_cutover(alone)["reason"])
        assert "its AAAA records to no known origin (it points at fd00::2)" in reason, reason
    finally:
        left.write(state)


def test_public_name_not_added_to_new_is_no_go_before_and_after_the_switch(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """Two gate runs on dns-cutover's files with new's domains emptied: pre-cutover (the name
    still on old) and post-cutover (the name on new); each names the missing domain."""
    state = breakable.state_dir
    left = read_zone(state)
    names = state / "new" / SITE_NAMES_FILE
    kept = names.read_text()
    hint = "is app.lms.test added to new's site as a domain?"
    try:
        names.write_text("[]")
        Zone("old", LOW_TTL_S).write(state)
        before = _dns_cutover(
            gate_on(breakable, tmp_path / "pre", *DNS_CUTOVER, "--phase=pre-cutover")
        )
        assert before["status"] == "failed", before
        reason = str(before["reason"])
        assert reason.startswith("the public name is not ready for the switch: "), reason
        assert "sent to new (127.0.0.1) answered 404 (Site not found" in reason, reason
        assert hint in reason, reason

        left.write(state)
        after = _dns_cutover(gate_on(breakable, tmp_path / "post", *DNS_CUTOVER))
        assert after["status"] == "failed", after
        reason = str(after["reason"])
        assert reason.startswith("app.lms.test reaches new but the app does not answer"), reason
        assert hint in reason, reason
    finally:
        names.write_text(kept)
        left.write(state)


def test_new_origin_without_an_address_is_no_go_before_the_switch(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """One pre-cutover gate run on dns-cutover's files with new's origin record not created yet
    (the name still on old, low TTL): the switch would lead nowhere, and the reason says so."""
    state = breakable.state_dir
    left = read_zone(state)
    try:
        Zone("old", LOW_TTL_S, unnamed=("new",)).write(state)
        before = _dns_cutover(
            gate_on(breakable, tmp_path / "pre", *DNS_CUTOVER, "--phase=pre-cutover")
        )
        assert before["status"] == "failed", before
        reason = str(before["reason"])
        assert reason.startswith("the public name is not ready for the switch: "), reason
        assert "new's origin new.lms.test has no address, so app.lms.test cannot be switched" in (
            reason
        ), reason
    finally:
        left.write(state)
