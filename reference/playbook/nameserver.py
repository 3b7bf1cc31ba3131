"""The public name's DNS, for real on this machine: a small authoritative name server.

It listens on a UDP socket on 127.0.0.1 (a free port) and answers with dnspython's message
classes from a zone file in the state dir (`dns.json`), read again on every query, so a switch
is one file write: the public name (`app.lms.test`) is a CNAME, with its TTL, to old's or new's
origin name (`old.lms.test`, `new.lms.test`), each an A record for 127.0.0.1. Old and new share
that address (they differ by port), so the CNAME is what tells them apart.

An apex zone (`apex`: a name at the top of a zone cannot be a CNAME) gives the public name its
own A and AAAA records instead, and each origin an address of its own: new 127.0.0.1 and ::1,
old 127.0.0.2 and fd00::2 (old's are only matched, never connected to: the gate reaches old
by its URL). Its AAAA record can point at another side than its A record (`aaaa_at`): a switch
that changed the A record only.

`python -m reference.playbook.nameserver --state DIR --point-at new` switches the public name
of a running playbook (what the team does at "Switch to new origin").
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Side = Literal["old", "new"]
ZONE = "lms.test"
PUBLIC_NAME = f"app.{ZONE}"
ORIGINS: dict[Side, str] = {"old": f"old.{ZONE}", "new": f"new.{ZONE}"}
ADDRESS = "127.0.0.1"
# An apex zone's addresses of each origin: IPv4 (A) and IPv6 (AAAA).
APEX_ADDRESSES: dict[Side, tuple[str, str]] = {
    "new": ("127.0.0.1", "::1"),
    "old": ("127.0.0.2", "fd00::2"),
}
# The playbook's "Set low TTL 24h before", and the TTL a team's record has every other day.
LOW_TTL_S = 300
EVERYDAY_TTL_S = 3600
ORIGIN_TTL_S = 60


@dataclass(frozen=True)
class Zone:
    """What the public name points at, for how long resolvers may cache that, and which
    origins have no A record yet (`unnamed`: a record the team has still to create). An `apex`
    zone gives the name its own A and AAAA records, the AAAA at `aaaa_at` (None: `points_at`)."""

    points_at: Side
    ttl_s: int
    unnamed: tuple[Side, ...] = ()
    apex: bool = False
    aaaa_at: Side | None = None

    def write(self, state_dir: Path) -> Path:
        """Replace the state dir's zone file (atomically: the server reads it on every query)."""
        path = zone_file(state_dir)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self)))
        os.replace(tmp, path)
        return path


def zone_file(state_dir: Path) -> Path:
    """The zone file of a playbook's state dir."""
    return state_dir / "dns.json"


def read_zone(state_dir: Path) -> Zone:
    """The zone as the server answers it now."""
    data = json.loads(zone_file(state_dir).read_text())
    return Zone(
        points_at=data["points_at"],
        ttl_s=int(data["ttl_s"]),
        unnamed=tuple(data.get("unnamed", ())),
        apex=bool(data.get("apex", False)),
        aaaa_at=data.get("aaaa_at"),
    )


def point_public_name(
    state_dir: Path, at: Side, ttl_s: int | None = None, aaaa_at: Side | None = None
) -> Zone:
    """Point the public name at `at` (keeping its TTL unless `ttl_s` is given, and the zone's
    style); in an apex zone its AAAA record at `aaaa_at` (None: at `at` too). The new zone."""
    kept = read_zone(state_dir)
    ttl = kept.ttl_s if ttl_s is None else ttl_s
    zone = Zone(at, ttl, apex=kept.apex, aaaa_at=aaaa_at if kept.apex else None)
    zone.write(state_dir)
    return zone


def answer(query: dns.message.Message, zone: Zone) -> dns.message.Message:
    """The authoritative answer to `query`: the public name's CNAME (and the origin's A record
    for an A query), or in an apex zone its own A or AAAA record; an origin's A record (and
    AAAA, in an apex zone); NXDOMAIN for another name of the zone (an unnamed origin's too),
    REFUSED outside it."""
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    if len(query.question) != 1:
        response.set_rcode(dns.rcode.FORMERR)
        return response
    question = query.question[0]
    name, rdtype = question.name, question.rdtype
    origin_names = {
        dns.name.from_text(o): o for side, o in ORIGINS.items() if side not in zone.unnamed
    }
    public = dns.name.from_text(PUBLIC_NAME)
    if not name.is_subdomain(dns.name.from_text(ZONE)):
        response.set_rcode(dns.rcode.REFUSED)
        return response
    if zone.apex and name in (public, *origin_names):
        response.answer.extend(_apex_records(name, rdtype, zone))
    elif name == public:
        target = ORIGINS[zone.points_at]
        response.answer.append(
            dns.rrset.from_text(PUBLIC_NAME + ".", zone.ttl_s, "IN", "CNAME", target + ".")
        )
        if rdtype in (dns.rdatatype.A, dns.rdatatype.ANY) and zone.points_at not in zone.unnamed:
            response.answer.append(_origin_a(target))
    elif name in origin_names:
        if rdtype in (dns.rdatatype.A, dns.rdatatype.ANY):
            response.answer.append(_origin_a(origin_names[name]))
    elif name != dns.name.from_text(ZONE):
        response.set_rcode(dns.rcode.NXDOMAIN)
    return response


def _apex_records(
    name: dns.name.Name, rdtype: dns.rdatatype.RdataType, zone: Zone
) -> list[dns.rrset.RRset]:
    """An apex zone's A and AAAA records of `name` (the public name or an origin) asked for."""
    text = name.to_text()
    if name == dns.name.from_text(PUBLIC_NAME):
        ttl, sides = zone.ttl_s, (zone.points_at, zone.aaaa_at or zone.points_at)
    else:
        side = next(s for s, origin in ORIGINS.items() if dns.name.from_text(origin) == name)
        ttl, sides = ORIGIN_TTL_S, (side, side)
    records = []
    for family, (rrtype, side) in enumerate(zip(("A", "AAAA"), sides, strict=True)):
        if rdtype in (dns.rdatatype.from_text(rrtype), dns.rdatatype.ANY):
            records.append(
                dns.rrset.from_text(text, ttl, "IN", rrtype, APEX_ADDRESSES[side][family])
            )
    return records


def _origin_a(origin: str) -> dns.rrset.RRset:
    return dns.rrset.from_text(origin + ".", ORIGIN_TTL_S, "IN", "A", ADDRESS)


class NameServer:
    """The server thread: `start()` binds 127.0.0.1 on a free port, `stop()` ends it."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.settimeout(0.5)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="nameserver", daemon=True)

    @property
    def address(self) -> str:
        """`127.0.0.1:PORT`, as the suite's `dns_server` setting takes it."""
        host, port = self._socket.getsockname()[:2]
        return f"{host}:{port}"

    def start(self) -> NameServer:
        """Bind and serve in a thread of this process."""
        self._socket.bind((ADDRESS, 0))
        self._thread.start()
        return self

    def alive(self) -> bool:
        """True while the server thread answers."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """End the thread and close the socket."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                wire, peer = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue  # not a DNS query: nothing to answer
            try:
                response = answer(query, read_zone(self.state_dir))
            except (OSError, ValueError, KeyError):
                response = dns.message.make_response(query)
                response.set_rcode(dns.rcode.SERVFAIL)
            self._socket.sendto(response.to_wire(), peer)


def main(argv: list[str] | None = None) -> int:
    """Switch a running playbook's public name to old or new; exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m reference.playbook.nameserver",
        description="Point the playbook's public name at old or new (the DNS switch).",
    )
    parser.add_argument("--state", required=True, type=Path, help="the playbook's state dir")
    parser.add_argument("--point-at", required=True, choices=("old", "new"))
    parser.add_argument("--ttl", type=int, default=None, help="a new TTL in seconds (optional)")
    args = parser.parse_args(argv)
    if not zone_file(args.state).is_file():
        print(
            f"nameserver: no zone in {args.state} (is a playbook running there?)", file=sys.stderr
        )
        return 2
    zone = point_public_name(args.state, args.point_at, args.ttl)
    print(f"{PUBLIC_NAME} -> {ORIGINS[zone.points_at]} (TTL {zone.ttl_s} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
