"""Edge-function secrets as the Management API lists them (`supabase secrets list`).

The listing gives each secret's name and a digest of its value, never the value, so old's and
new's secrets can be compared by name (and told apart or alike by digest) without reading one.
Names starting with SUPABASE_ are the platform's own (its URL, keys and database): each project
sets them for itself, so they are left out of the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from postmigration.config import Target
from postmigration.redact import excerpt

MANAGEMENT_API = "https://api.supabase.com"
HOSTED_SUFFIX = ".supabase.co"
RESERVED_PREFIX = "SUPABASE_"


class SecretsUnavailable(Exception):
    """The listing could not be read: not configured, refused or unreachable (one line)."""


def project_ref(target: Target) -> str | None:
    """The target's project ref: `project_ref`, else the `<ref>` of https://<ref>.supabase.co."""
    if target.project_ref:
        return target.project_ref
    host = urlsplit(target.supabase_url).hostname or ""
    if host.endswith(HOSTED_SUFFIX) and host.count(".") == 2:
        return host.removesuffix(HOSTED_SUFFIX)
    return None


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


def listed_secrets(http: httpx.Client, target: Target) -> ListedSecrets:
    """The target's secrets from `GET /v1/projects/{ref}/secrets`; SecretsUnavailable naming
    the setting to give, or the API's answer, when they cannot be listed."""
    ref = project_ref(target)
    setting = f"[targets.{target.name}]"
    if not target.management_token:
        raise SecretsUnavailable(
            f"target {target.name!r} has no management_token (a personal access token, sbp_…: "
            f"set {target.env_name('management_token')} or management_token in {setting})"
        )
    if ref is None:
        raise SecretsUnavailable(
            f"target {target.name!r} has no project_ref and its supabase_url is not "
            f"https://<ref>.supabase.co (set {target.env_name('project_ref')} or project_ref "
            f"in {setting})"
        )
    base = (target.management_url or MANAGEMENT_API).rstrip("/")
    url = f"{base}/v1/projects/{ref}/secrets"
    try:
        answer = http.get(url, headers={"Authorization": f"Bearer {target.management_token}"})
    except httpx.HTTPError as exc:
        raise SecretsUnavailable(
            f"the Management API ({base}) could not be reached for {target.name}: "
            f"{type(exc).__name__}"
        ) from None
    if answer.status_code != 200:
        raise SecretsUnavailable(
            f"the Management API refused to list {target.name}'s secrets (project {ref}): "
            f"{answer.status_code} {excerpt(answer.text, 200)}"
            + (" (check management_token)" if answer.status_code in (401, 403) else "")
        )
    try:
        listed = answer.json()
        digests = {str(s["name"]): str(s["value"]) for s in listed}
    except (ValueError, TypeError, KeyError):
        raise SecretsUnavailable(
            f"the Management API's answer for {target.name} is not a list of secrets: "
            f"{excerpt(answer.text, 200)}"
        ) from None
    own = {n: d for n, d in digests.items() if not n.startswith(RESERVED_PREFIX)}
    return ListedSecrets(target.name, ref, own)
