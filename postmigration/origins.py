"""Origins: where the new app lives, and the old origins nothing may point at after cutover."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

from postmigration.applicability import not_applicable
from postmigration.config import KEY_SETTINGS, Target

NO_OLD_ORIGIN = (
    "not verified: no old origin is known (set old_origins in the target, or pass --compare-to=old)"
)
NO_OLD_AT_NIGHT = (
    "nightly without an old server or old_origins: no origin is known to be old, so there is "
    "nothing to look for (set old_origins in the target to keep looking for the old project)"
)


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a URL, lower-cased; empty for relative URLs."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


_HOSTED = ".supabase.co"


def hosted_ref(url: str) -> str | None:
    """The `<ref>` of a hosted project's API URL ``https://<ref>.supabase.co``; None for any
    other URL (self-hosted, a custom domain, the functions host)."""
    parts = urlsplit(url)
    ref, _, domain = (parts.hostname or "").partition(".")
    if not ref or "." + domain != _HOSTED or parts.port is not None:
        return None
    return ref


def functions_host(origin: str) -> str | None:
    """A hosted project's older per-project functions origin: ``https://<ref>.supabase.co`` ->
    ``https://<ref>.functions.supabase.co``; None for any other origin (self-hosted, a custom
    domain, the functions host itself)."""
    ref = hosted_ref(origin)
    return f"{urlsplit(origin).scheme}://{ref}.functions{_HOSTED}" if ref else None


def own_origins(target: Target) -> set[str]:
    """The target's own origins: its API's and its site's, and a hosted API's older functions
    host (``https://<ref>.functions.supabase.co``)."""
    mine = {origin_of(target.supabase_url), origin_of(target.site_url or "")} - {""}
    return mine | {f for o in mine if (f := functions_host(o))}


def old_origins(target: Target, comparison: Target | None) -> tuple[str, ...]:
    """The configured old origins and the comparison target's API and site origins, together
    (old_origins naming old's site alone leaves old's API old all the same); a hosted old API
    brings its older functions host along (a job or an app may still call
    ``https://<old ref>.functions.supabase.co/<name>``)."""
    configured = [origin_of(u) or u.rstrip("/").lower() for u in target.old_origins]
    if comparison is not None:
        configured += [origin_of(comparison.supabase_url), origin_of(comparison.site_url or "")]
    configured += [f for o in configured if (f := functions_host(o))]
    mine = own_origins(target)
    return tuple(sorted({o for o in configured if o and o not in mine}))


def no_old_origin_known(phase: str) -> NoReturn:
    """Stop a test that looks for old origins when none is known: at night (staging, no old
    server, no old_origins) it is not applicable, there being nothing old to look for; before
    and after the switch, when old is the point, it is not verified."""
    if phase == "nightly":
        not_applicable(NO_OLD_AT_NIGHT)
    pytest.skip(NO_OLD_ORIGIN)


def old_keys(target: Target, comparison: Target | None) -> dict[str, str]:
    """Old's API keys by setting name (e.g. ``service_role_key``), those new does not share:
    a copy of one left on new (in Vault, a job) is a key new refuses."""
    if comparison is None:
        return {}
    mine = {getattr(target, name) for name in KEY_SETTINGS}
    return {
        name: value
        for name in KEY_SETTINGS
        if (value := getattr(comparison, name)) and value not in mine
    }


def pointing_at_old(urls: Iterable[str], olds: Iterable[str]) -> list[str]:
    """The URLs among `urls` whose origin is one of the old origins."""
    old = set(olds)
    return [u for u in urls if origin_of(u) in old]
