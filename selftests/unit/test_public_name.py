"""The playbook's name server, asked through the suite's public_name module (real UDP on the
loopback): what the public name points at, its TTL, and how a side is told apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from postmigration.config import ConfigFile, Environment, load_target
from postmigration.errors import MalformedConfigError
from postmigration.public_name import (
    DnsProblem,
    Lookup,
    addresses_via,
    look_up,
    reach,
    resolver_for,
    sides_by_family,
)
from reference.playbook.nameserver import NameServer, Zone, main, read_zone

ORIGINS = {"old": "old.lms.test", "new": "new.lms.test"}


def _side_reached(*args: Any) -> tuple[str | None, str]:
    found = reach(*args)
    return found.side, found.how


@pytest.fixture
def nameserver(tmp_path: Path) -> Iterator[NameServer]:
    """The name server of a playbook state dir whose public name points at old, TTL 300 s."""
    Zone("old", 300).write(tmp_path)
    server = NameServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def test_the_public_name_is_a_cname_with_its_ttl_and_a_switch_is_one_write(
    nameserver: NameServer, capsys: pytest.CaptureFixture[str]
) -> None:
    resolver, label = resolver_for(nameserver.address)
    lookup = look_up("app.lms.test", resolver, label)
    assert (lookup.cnames, lookup.addresses, lookup.ttl_s) == (
        ("old.lms.test",),
        ("127.0.0.1",),
        300,
    )
    assert lookup.authoritative
    assert _side_reached(lookup, ORIGINS, addresses_via(resolver)) == (
        "old",
        "CNAME to old.lms.test",
    )

    argv = ["--state", str(nameserver.state_dir), "--point-at", "new", "--ttl", "3600"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == "app.lms.test -> new.lms.test (TTL 3600 s)"
    assert read_zone(nameserver.state_dir) == Zone("new", 3600)
    lookup = look_up("app.lms.test", resolver, label)
    assert (lookup.cnames, lookup.ttl_s) == (("new.lms.test",), 3600)
    assert _side_reached(lookup, ORIGINS, addresses_via(resolver))[0] == "new"

    with pytest.raises(
        DnsProblem, match=r"nope.lms.test does not exist \(NXDOMAIN from dns_server"
    ):
        look_up("nope.lms.test", resolver, label)
    with pytest.raises(DnsProblem, match="refused or failed to answer for example.com"):
        look_up("example.com", resolver, label)


def test_an_origin_not_named_yet_has_no_address(nameserver: NameServer) -> None:
    """A zone whose new origin has no record yet: new.lms.test does not exist, old's is kept."""
    Zone("old", 300, unnamed=("new",)).write(nameserver.state_dir)
    assert read_zone(nameserver.state_dir) == Zone("old", 300, unnamed=("new",))
    resolver, label = resolver_for(nameserver.address)
    assert addresses_via(resolver)("new.lms.test") == set()
    assert addresses_via(resolver)("old.lms.test") == {"127.0.0.1"}
    assert look_up("app.lms.test", resolver, label).cnames == ("old.lms.test",)


def test_an_apex_zone_answers_a_and_aaaa_and_a_switch_of_a_alone_leads_two_ways(
    nameserver: NameServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """An apex zone: the public name's own A and AAAA records, each origin its own addresses;
    the switch moves both records, unless the AAAA is left on old."""
    Zone("old", 300, apex=True).write(nameserver.state_dir)
    resolver, label = resolver_for(nameserver.address)
    lookup = look_up("app.lms.test", resolver, label)
    assert (lookup.cnames, lookup.addresses, lookup.ttl_s) == ((), ("127.0.0.2", "fd00::2"), 300)
    assert addresses_via(resolver)("new.lms.test") == {"127.0.0.1", "::1"}
    assert _side_reached(lookup, ORIGINS, addresses_via(resolver)) == (
        "old",
        "address 127.0.0.2 of old.lms.test; address fd00::2 of old.lms.test",
    )

    assert main(["--state", str(nameserver.state_dir), "--point-at", "new"]) == 0
    capsys.readouterr()
    assert read_zone(nameserver.state_dir) == Zone("new", 300, apex=True)
    lookup = look_up("app.lms.test", resolver, label)
    assert lookup.addresses == ("127.0.0.1", "::1")
    assert _side_reached(lookup, ORIGINS, addresses_via(resolver))[0] == "new"

    Zone("new", 300, apex=True, aaaa_at="old").write(nameserver.state_dir)
    lookup = look_up("app.lms.test", resolver, label)
    assert lookup.addresses == ("127.0.0.1", "fd00::2")
    assert _side_reached(lookup, ORIGINS, addresses_via(resolver)) == (
        None,
        "its A records lead to new (address 127.0.0.1 of new.lms.test), its AAAA records to "
        "old (address fd00::2 of old.lms.test): clients over IPv4 and over IPv6 reach "
        "different places",
    )
    assert sides_by_family(lookup, ORIGINS, addresses_via(resolver)) == {
        "A": ("new", "address 127.0.0.1 of new.lms.test"),
        "AAAA": ("old", "address fd00::2 of old.lms.test"),
    }
    side, how = _side_reached(lookup, {"new": "new.lms.test"}, addresses_via(resolver))
    assert side is None
    assert "its AAAA records to no known origin (it points at fd00::2)" in how


def test_a_side_is_told_by_an_address_only_it_has_never_by_a_shared_one() -> None:
    lookup = Lookup("app.example.com", "test", (), (), ("203.0.113.7",), 300, True)
    addresses = {"new.example.net": {"203.0.113.7"}, "old.example.net": {"198.51.100.2"}}
    assert _side_reached(
        lookup, {"new": "new.example.net", "old": "old.example.net"}, lambda h: addresses[h]
    ) == ("new", "address 203.0.113.7 of new.example.net")
    assert _side_reached(lookup, {"new": "203.0.113.7", "old": None}, lambda h: set())[0] == "new"
    side, how = _side_reached(lookup, {"new": "203.0.113.7", "old": "203.0.113.7"}, lambda h: set())
    assert side is None and how.startswith("cannot tell old from new by address")
    side, how = _side_reached(lookup, {"new": "192.0.2.1", "old": None}, lambda h: set())
    assert (side, how) == (None, "it points at 203.0.113.7")


def test_the_dns_settings_come_from_file_and_environment_and_a_bad_server_is_one_line() -> None:
    table = {
        "supabase_url": "https://abcdefghijklmnop.supabase.co",
        "publishable_key": "sb_publishable_" + "a" * 22,
        "secret_key": "sb_secret_" + "b" * 22,
        "public_name": "app.example.com",
        "dns_server": "[2001:db8::53]:5353",
    }
    config = ConfigFile(None, "test", {"targets": {"new": table}})
    target = load_target("new", config, Environment({"NEW_DNS_MAX_TTL_S": "600"}))
    assert (target.public_name, target.dns_server, target.dns_max_ttl_s) == (
        "app.example.com",
        "[2001:db8::53]:5353",
        600,
    )
    bad = ConfigFile(None, "test", {"targets": {"new": {**table, "dns_server": "ns1 :x"}}})
    with pytest.raises(MalformedConfigError, match=r"dns_server 'ns1 :x' is not HOST or HOST:PORT"):
        load_target("new", bad, Environment({}))
