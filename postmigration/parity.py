"""What parity compares: which tables hold URLs that moved with the app, and the storage listing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from postmigration.app_profile import AppProfile
from postmigration.config import Target
from postmigration.db.data import Rewrites
from postmigration.origins import functions_host, origin_of
from postmigration.storage import StoredObject, list_all

if TYPE_CHECKING:
    from supabase import Client

StorageListing = dict[str, dict[str, StoredObject]]


def origin_moves(new: Target, old: Target) -> list[tuple[str, str]]:
    """(old origin/, new origin/) pairs: the app's own URLs are expected to move with it, and
    between two hosted projects the older functions host with the API."""
    pairs = [(old.supabase_url, new.supabase_url), (old.site_url or "", new.site_url or "")]
    old_functions = functions_host(origin_of(old.supabase_url))
    new_functions = functions_host(origin_of(new.supabase_url))
    if old_functions and new_functions:
        pairs.append((old_functions, new_functions))
    moves: dict[str, str] = {}
    for before, after in pairs:
        a, b = origin_of(before), origin_of(after)
        if a and b and a != b:
            moves.setdefault(a + "/", b + "/")
    return list(moves.items())


@dataclass(frozen=True)
class RewritePlan:
    """How each side hashes the tables listed in the app profile's url_columns."""

    new_side: Rewrites
    old_side: Rewrites


def rewrite_plan(profile: AppProfile, new: Target, old: Target | None) -> RewritePlan:
    """New's URL tables hashed as text; old's with its origins replaced by new's first."""
    tables = [f"public.{t}" for t in profile.url_columns]
    moves = origin_moves(new, old) if old is not None else []
    return RewritePlan({t: [] for t in tables}, {t: moves for t in tables})


def storage_listing(client: Client, buckets: Iterable[str]) -> StorageListing:
    """Every object of each bucket, recursively (paged past 100)."""
    return {bucket: list_all(client.storage.from_(bucket)) for bucket in buckets}
