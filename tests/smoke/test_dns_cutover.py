"""DNS cutover: "Set low TTL 24h before" and "Switch to new origin; verify health".

Before the switch the public name still reaches old, with a TTL short enough for the switch to
reach users quickly; after it, the name reaches new, over valid TLS, and the app answers under
it. The name is looked up at the configured name server (``dns_server``) with dnspython.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from postmigration.applicability import is_loopback, not_applicable
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.public_name import (
    DnsProblem,
    Lookup,
    Reach,
    addresses_via,
    app_under_name,
    look_up,
    origin_address,
    origin_host,
    public_url,
    reach,
    resolver_for,
)
from postmigration.session import RunConfig
from postmigration.tls import certificate_problems, endpoints

pytestmark = [pytest.mark.postmigration, pytest.mark.smoke, pytest.mark.item("dns-cutover")]


def _only_in(phase: str, pm_config: RunConfig) -> None:
    if pm_config.phase != phase:
        not_applicable(f"checked in the {phase} phase only (this run: {pm_config.phase})")


def _where_it_points(
    target: Target, comparison_target: Target | None, evidence: Evidence
) -> tuple[Lookup, Reach, Callable[[str], set[str]]]:
    """The public name's answer, the side it reaches (old, new or neither, and whether its A or
    its AAAA records alone lead to new) with how that was told, and the name server's addresses
    of a host. Without a public name: not applicable on this machine's plain-http loopback (the
    local stand-in with nothing configured), else not verified."""
    name = target.public_name
    if not name:
        urls = endpoints(target)
        if all(url.startswith("http://") and is_loopback(url) for url in urls):
            not_applicable(
                f"no public_name configured and {', '.join(urls)} is this machine (loopback): "
                "no DNS switch to check"
            )
        pytest.skip(
            f"not configured: target {target.name!r} has no public_name, the name users type "
            f"(set {target.env_name('public_name')} or public_name in [targets.{target.name}])"
        )
    try:
        resolver, server = resolver_for(target.dns_server)
        lookup = look_up(name, resolver, server)
    except DnsProblem as exc:
        pytest.fail(f"the public name cannot be looked up: {exc}", pytrace=False)
    evidence.text(f"{name} at {server}", lookup.describe())
    origins = {
        "new": origin_host(target),
        "old": origin_host(comparison_target) if comparison_target else None,
    }
    addresses_of = addresses_via(resolver)
    reached = reach(lookup, origins, addresses_of)
    evidence.text(
        "origins", "\n".join(f"{side}: {host or 'unknown'}" for side, host in origins.items())
    )
    return lookup, reached, addresses_of


def test_before_the_switch_the_public_name_is_on_old_with_a_low_ttl(
    target: Target,
    comparison_target: Target | None,
    pm_config: RunConfig,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """Pre-cutover: the public name's own record has a TTL of at most ``dns_max_ttl_s`` (300 s
    by default; read from an authoritative answer, since a caching resolver shows a countdown),
    the name still reaches old (a CNAME to old's origin_host, or addresses only old's origin
    has, its A and AAAA records alike), not new, not even by its A or its AAAA records alone;
    and new already serves the app under the name (``GET /`` with the name as Host, sent to
    new's origin address, answers 200 with the app's page title; its certificate is not checked
    yet), so the switch lands on a site that answers."""
    _only_in("pre-cutover", pm_config)
    lookup, reached, addresses_of = _where_it_points(target, comparison_target, evidence)
    name, limit, how = lookup.name, target.dns_max_ttl_s, reached.how
    problems = []
    if reached.side == "new":
        problems.append(f"{name} already resolves to new ({how}): switched before the gate ran")
    elif reached.partly_new:
        problems.append(f"{name} already resolves to new for some clients ({how}): switched "
                        "in part before the gate ran")  # fmt: skip
    if lookup.ttl_s is not None and lookup.ttl_s > limit:
        problems.append(
            f"{name} has a TTL of {lookup.ttl_s} s, above the {limit} s allowed before the "
            f"switch: lower it at least {lookup.ttl_s} s before switching"
        )
    new_address = origin_address(target, addresses_of)
    if new_address is None:
        problems.append(f"new's origin {origin_host(target) or 'unknown'} has no address, so "
                        f"{name} cannot be switched to it")  # fmt: skip
    else:
        # The certificate for the name may only be issued once the name leads to new: this
        # probe asks whether new serves the name at all, its certificate is checked after.
        with httpx.Client(verify=False, timeout=http.timeout) as unverified:
            found, seen = app_under_name(unverified, target.require("site_url"), name, new_address)
            problems += found
            evidence.text(*seen)
    fail_on(problems, "the public name is not ready for the switch")
    if comparison_target is None:
        pytest.skip(
            f"not verified: {name} is not on new, but whether it reaches old is unknown "
            "without --compare-to=old"
        )
    if reached.side != "old":
        pytest.fail(f"{name} does not resolve to old's origin {origin_host(comparison_target)} "
                    f"({how})", pytrace=False)  # fmt: skip
    if not lookup.authoritative:
        pytest.skip(
            f"not verified: {name}'s TTL ({lookup.ttl_s} s) came from a caching resolver, which "
            "counts it down: set dns_server to the zone's authoritative name server"
        )


def test_after_the_switch_the_public_name_serves_new(
    target: Target,
    comparison_target: Target | None,
    pm_config: RunConfig,
    http: httpx.Client,
    evidence: Evidence,
) -> None:
    """Post-cutover: the public name reaches new (a CNAME to new's origin_host, or addresses
    only new's origin has, its A and AAAA records alike; without --compare-to addresses of
    new's origin, old's being unknown, which the evidence says); over https its certificate is
    valid for the name (plain http only on this machine's loopback, where TLS is not checked,
    which the evidence says); and ``GET /`` of the site under the public name, sent to the
    address it resolves to, answers 200 with the same page title as new's own site_url."""
    _only_in("post-cutover", pm_config)
    site = target.require("site_url")
    lookup, reached, _ = _where_it_points(target, comparison_target, evidence)
    name, how = lookup.name, reached.how
    if reached.side == "old":
        pytest.fail(f"{name} still resolves to old ({how}): the switch to new is not made",
                    pytrace=False)  # fmt: skip
    if reached.side != "new":
        pytest.fail(f"{name} does not resolve to new's origin {origin_host(target)} ({how})",
                    pytrace=False)  # fmt: skip
    if comparison_target is None and how.startswith("address"):
        evidence.text(
            "how new was told",
            f"by address ({how}); old's origin is unknown without --compare-to=old, so an "
            "address new shares with old (a CDN's, say) would look the same",
        )
    url = public_url(site, name)
    address = lookup.addresses[0] if lookup.addresses else name
    problems: list[str] = []
    if url.startswith("https://"):
        found, facts = certificate_problems(url, min_days=target.cert_min_days, address=address)
        problems += found
        evidence.text(f"certificate of {name}", facts)
    elif is_loopback(f"http://{address}"):
        evidence.text("TLS", f"not checked: {url} is plain http on this machine's loopback")
    else:
        problems.append(f"{url} is served over plain http, not https")
    found, seen = app_under_name(http, site, name, address)
    problems += found
    evidence.text(*seen)
    fail_on(problems, f"{name} reaches new but the app does not answer under it")
