"""Edge-function secrets as the Management API lists them (`supabase secrets list`).

The listing gives each secret's name and a digest of its value, never the value, so old's and
new's secrets can be compared by name (and told apart or alike by digest) without reading one.
Names starting with SUPABASE_ are the platform's own (its URL, keys and database): each project
sets them for itself, so they are left out of the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from postmigration.config import Target
from postmigration.management import ManagementUnavailable, management_get

RESERVED_PREFIX = "SUPABASE_"


@dataclass(frozen=True)
class ListedSecrets:
    """One project's edge-function secrets: name -> digest of the value, reserved ones aside."""

    target: str
    ref: str
    digests: Mapping[str, str]

    def missing_from(self, other: ListedSecrets) -> list[str]:
        """Names set here but not on `other`, in order."""
        return sorted(set(self.digests) - set(other.digests))

    def same_value_as(self, other: ListedSecrets) -> list[str]:
        """Names set on both whose digests are equal (the value was copied unchanged)."""
        return sorted(n for n, d in self.digests.items() if other.digests.get(n) == d)

    def compared_with(self, old: ListedSecrets) -> str:
        """One line per name set here: not on old, same value as old's, or a different one."""
        same = set(self.same_value_as(old))

        def state(name: str) -> str:
            if name not in old.digests:
                return "not on old"
            return "same value as old" if name in same else "value differs from old"

        return "\n".join(f"{n}: {state(n)}" for n in sorted(self.digests)) or "(none)"


def listed_secrets(http: httpx.Client, target: Target) -> ListedSecrets:
    """The target's secrets from `GET /v1/projects/{ref}/secrets`; ManagementUnavailable
    naming the setting to give, or the API's answer, when they cannot be listed."""
    ref, listed = management_get(http, target, "secrets", "secrets")
    try:
        digests = {str(s["name"]): str(s["value"]) for s in listed}
    except (TypeError, KeyError):
        raise ManagementUnavailable(
            f"the Management API's answer for {target.name}'s secrets is not a list of secrets"
        ) from None
    own = {n: d for n, d in digests.items() if not n.startswith(RESERVED_PREFIX)}
    return ListedSecrets(target.name, ref, own)
