"""Where the public name points, read with dnspython from the configured name server.

The name users type (``public_name``) is a CNAME to an origin or an address record. This module
asks one name server (``dns_server``, else the machine's own resolvers, never edited), keeps
the whole answer (each record with its TTL), and tells which side it reaches: old or new, by the
CNAME chain first (the only way to tell two origins apart that share an address), else by
address. The page served under the name is fetched from that address with the name as Host.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.resolver
import httpx

from postmigration.config import Target
from postmigration.redact import excerpt

__all__ = [
    "DnsProblem",
    "Lookup",
    "Reach",
    "Side",
    "addresses_via",
    "look_up",
    "origin_host",
    "page_title",
    "public_url",
    "reach",
    "resolver_for",
    "sides_by_family",
]

_TIMEOUT_S = 5.0
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


class DnsProblem(Exception):
    """The name could not be looked up; ``str()`` says why in one line."""


@dataclass(frozen=True)
class Record:
    """One record of an answer: owner, type, TTL and data."""

    owner: str
    rdtype: str
    ttl_s: int
    data: str

    def __str__(self) -> str:
        return f"{self.owner} {self.ttl_s} {self.rdtype} {self.data}"


@dataclass(frozen=True)
class Lookup:
    """The answer for the public name: its records, the names its CNAME chain passes through,
    the addresses it ends at, its own record's TTL, and whether the server is authoritative."""

    name: str
    server: str
    records: tuple[Record, ...]
    cnames: tuple[str, ...]
    addresses: tuple[str, ...]
    ttl_s: int | None
    authoritative: bool

    def describe(self) -> str:
        """The answer as a zone file shows it, and who gave it."""
        who = "authoritative" if self.authoritative else "not authoritative (a caching resolver)"
        lines = [str(r) for r in self.records] or ["no record"]
        return "\n".join([*lines, f"answered by {self.server}, {who}"])

    def points(self) -> str:
        """Where the name points, in a few words: its chain and addresses."""
        hops = [*self.cnames, *self.addresses]
        return " -> ".join(hops) if hops else "nothing"


def _normal(name: str) -> str:
    return name.rstrip(".").lower()


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def resolver_for(dns_server: str | None) -> tuple[dns.resolver.Resolver, str]:
    """A resolver asking ``dns_server`` (``HOST``, ``HOST:PORT`` or ``[IPv6]:PORT``) only,
    else the machine's own resolvers; and how to name it in messages."""
    if dns_server is None:
        resolver = dns.resolver.Resolver()
        label = f"the machine's resolver ({', '.join(map(str, resolver.nameservers))})"
    else:
        host, _, port = dns_server.strip().rpartition(":")
        if not host or (dns_server.count(":") > 1 and not dns_server.startswith("[")):
            host, port = dns_server.strip(), "53"  # a bare IPv6 address, or a host alone
        host = host.strip("[]")
        try:
            address = host if _is_address(host) else socket.getaddrinfo(host, None)[0][4][0]
        except socket.gaierror as exc:
            raise DnsProblem(f"the dns_server {host} does not resolve: {exc.strerror}") from None
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [str(address)]
        resolver.port = int(port)
        label = f"dns_server {dns_server}"
    resolver.lifetime = _TIMEOUT_S
    resolver.cache = None
    return resolver, label


def look_up(name: str, resolver: dns.resolver.Resolver, server: str) -> Lookup:
    """The A and the AAAA answers for ``name``, records and TTLs kept (the CNAME chain once);
    its addresses are the A records' first, then the AAAA records'."""
    responses: list[dns.message.Message] = []
    for rdtype in ("A", "AAAA"):
        try:
            answer = resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            raise DnsProblem(f"{name} does not exist (NXDOMAIN from {server})") from None
        except dns.resolver.NoNameservers:
            raise DnsProblem(f"{server} refused or failed to answer for {name}") from None
        except dns.exception.Timeout:
            raise DnsProblem(
                f"no answer for {name} from {server} within {resolver.lifetime:.0f} s"
            ) from None
        responses.append(answer.response)
    records = tuple(dict.fromkeys(
        Record(_normal(rrset.name.to_text()), dns.rdatatype.to_text(rrset.rdtype), rrset.ttl,
               _normal(rdata.to_text()))
        for response in responses
        for rrset in response.answer
        for rdata in rrset
    ))  # fmt: skip
    cnames: list[str] = []
    current = _normal(name)
    for _ in records:  # follow the chain in order; a loop cannot outlast the records
        step = next((r for r in records if r.owner == current and r.rdtype == "CNAME"), None)
        if step is None:
            break
        cnames.append(step.data)
        current = step.data
    addresses = tuple(
        r.data for rdtype in ("A", "AAAA") for r in records
        if r.owner == current and r.rdtype == rdtype
    )  # fmt: skip
    own = [r.ttl_s for r in records if r.owner == _normal(name)]
    return Lookup(
        name=_normal(name),
        server=server,
        records=records,
        cnames=tuple(cnames),
        addresses=addresses,
        ttl_s=min(own) if own else None,
        authoritative=all(response.flags & dns.flags.AA for response in responses),
    )


def origin_host(target: Target) -> str | None:
    """What the public name points at to reach ``target``: its ``origin_host``, else the host
    of its site (else of its API)."""
    if target.origin_host:
        return _normal(target.origin_host)
    return _normal(urlsplit(target.site_url or target.supabase_url).hostname or "") or None


def origin_address(target: Target, addresses_of: Callable[[str], set[str]]) -> str | None:
    """An address of ``target``'s origin host (the host itself when it is one), where the
    public name will lead once switched to it; None when it has none."""
    host = origin_host(target)
    if not host:
        return None
    if _is_address(host):
        return host
    return next(iter(sorted(addresses_of(host))), None)


Side = str  # "old" or "new"


@dataclass(frozen=True)
class Reach:
    """Which side the public name reaches (None when neither, or not all its clients alike), how
    that was told, and its address families (A, AAAA) that lead to new by address (none looked
    at when a CNAME told the side)."""

    side: Side | None
    how: str
    families_on_new: tuple[str, ...] = ()

    @property
    def partly_new(self) -> bool:
        """Its A or its AAAA records alone lead to new: some clients reach new, others not."""
        return self.side is None and bool(self.families_on_new)


def reach(
    lookup: Lookup,
    origins: Mapping[Side, str | None],
    addresses_of: Callable[[str], set[str]],
) -> Reach:
    """Which side the public name reaches, and how that was told: a CNAME on its chain naming a
    side's origin, else an address only one side's origin has, for its IPv4 (A) and its IPv6
    (AAAA) addresses alike. No side when neither, when the addresses are shared and no name
    tells the sides apart, or when the A and AAAA records lead different ways (the clients of
    one family reach another place). The origins' addresses are asked for once per family."""
    for cname in lookup.cnames:
        for side, host in origins.items():
            if host and cname == host:
                return Reach(side, f"CNAME to {host}")
    by_family = sides_by_family(lookup, origins, addresses_of)
    on_new = tuple(family for family, (side, _) in by_family.items() if side == "new")
    reached = list(by_family.values())
    if not reached:
        return Reach(None, f"it points at {lookup.points()}")
    sides = {side for side, _ in reached}
    if len(sides) == 1:
        return Reach(next(iter(sides)), "; ".join(how for _, how in reached), on_new)
    ways = [f"{side or 'no known origin'} ({how})" for side, how in reached]
    return Reach(
        None,
        f"its A records lead to {ways[0]}, its AAAA records to {ways[1]}: clients over IPv4 "
        "and over IPv6 reach different places",
        on_new,
    )


def sides_by_family(
    lookup: Lookup,
    origins: Mapping[Side, str | None],
    addresses_of: Callable[[str], set[str]],
) -> dict[str, tuple[Side | None, str]]:
    """For the A and the AAAA addresses the public name ends at (those it has), the side only
    that side's origin shares one of them with, else None; and how that was told."""
    families = {
        family: found
        for family, version in (("A", 4), ("AAAA", 6))
        if (found := tuple(a for a in lookup.addresses if _version(a) == version))
    }
    return {
        family: _side_by_address(found, origins, addresses_of) for family, found in families.items()
    }


def _version(address: str) -> int | None:
    try:
        return ipaddress.ip_address(address).version
    except ValueError:
        return None


def _side_by_address(
    addresses: tuple[str, ...],
    origins: Mapping[Side, str | None],
    addresses_of: Callable[[str], set[str]],
) -> tuple[Side | None, str]:
    """The side whose origin alone has one of ``addresses``, and how that was told."""
    matched: dict[Side, str] = {}
    for side, host in origins.items():
        if not host:
            continue
        known = {host} if _is_address(host) else addresses_of(host)
        shared = sorted(known & set(addresses))
        if shared:
            matched[side] = f"address {', '.join(shared)} of {host}"
    if len(matched) == 1:
        side, how = next(iter(matched.items()))
        return side, how
    if matched:
        shared = "; ".join(f"{side}: {how}" for side, how in matched.items())
        return None, f"cannot tell old from new by address ({shared})"
    return None, f"it points at {', '.join(addresses)}"


def addresses_via(resolver: dns.resolver.Resolver) -> Callable[[str], set[str]]:
    """The addresses a host name has according to ``resolver`` (none when it has none)."""

    def addresses_of(host: str) -> set[str]:
        found: set[str] = set()
        for rdtype in ("A", "AAAA"):
            try:
                answer = resolver.resolve(host, rdtype, raise_on_no_answer=False, search=False)
            except dns.exception.DNSException:
                continue
            if answer.rrset is not None:
                found |= {r.to_text() for r in answer.rrset}
        return found

    return addresses_of


def public_url(site_url: str, name: str) -> str:
    """The site as users reach it: ``site_url`` with its host replaced by the public name
    (scheme, port and path kept)."""
    parts = urlsplit(site_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{name}{port}{parts.path or '/'}"


def page_title(html: str) -> str | None:
    """The page's <title>, whitespace collapsed; None when it has none."""
    found = _TITLE.search(html)
    return " ".join(found.group(1).split()) if found else None


def app_under_name(
    http: httpx.Client, site: str, name: str, address: str
) -> tuple[list[str], tuple[str, str]]:
    """`GET /` of the site under the public name, sent to `address` with the name as Host (as
    a browser would once the name leads there): one problem line unless it answers 200 with
    the same page title as the site at `site` (new's site_url); and (title, text) of what was
    seen, for the evidence."""
    url = public_url(site, name)
    public = httpx.URL(url)
    seen_as = f"GET {url} (sent to {address})"
    try:
        direct = http.get(site)
        answer = http.get(
            public.copy_with(host=address),
            headers={"Host": public.netloc.decode()},
            extensions={"sni_hostname": name},
        )
    except httpx.HTTPError as exc:
        said = f"no answer: {type(exc).__name__}: {exc}"
        return [f"{url} sent to new ({address}) got {said}"], (seen_as, said)
    title, app_title = page_title(answer.text), page_title(direct.text)
    seen = (
        seen_as,
        f"{answer.status_code}, title {title!r}; {site}: {direct.status_code}, title {app_title!r}",
    )
    if answer.status_code != 200:
        said = (
            excerpt(answer.text.strip().splitlines()[0], 120) if answer.text.strip() else "no body"
        )
        hint = (
            f": is {name} added to new's site as a domain?"
            if answer.status_code in (404, 421)
            else ""
        )
        return [
            f"{url} sent to new ({address}) answered {answer.status_code} ({said}), not 200{hint}"
        ], seen
    if title != app_title:
        return [
            f"{url} serves a page titled {title!r}, not the app's ({app_title!r} at {site})"
        ], seen
    return [], seen
