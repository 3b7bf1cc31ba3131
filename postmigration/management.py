"""The Management API (api.supabase.com): what a project holds outside its database and its
public API, read with a personal access token (`sbp_…`, the CLI's SUPABASE_ACCESS_TOKEN).

Each target names its `project_ref` (or has a hosted `https://<ref>.supabase.co` URL), its
`management_token` and, for a stand-in or a proxy, `management_url`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from postmigration.config import Target
from postmigration.origins import hosted_ref
from postmigration.redact import excerpt

MANAGEMENT_API = "https://api.supabase.com"
T = TypeVar("T")


class ManagementUnavailable(Exception):
    """The Management API could not be read: not configured, refused or unreachable (one
    line naming the setting to give or the API's answer)."""


def project_ref(target: Target) -> str | None:
    """The target's project ref: `project_ref`, else the `<ref>` of https://<ref>.supabase.co."""
    return target.project_ref or hosted_ref(target.supabase_url)


def management_get(http: httpx.Client, target: Target, path: str, what: str) -> tuple[str, Any]:
    """(the project ref, the JSON answer) of `GET /v1/projects/{ref}/<path>` for `target`;
    ManagementUnavailable, naming `what` was asked, when it cannot be had."""
    ref = project_ref(target)
    setting = f"[targets.{target.name}]"
    if not target.management_token:
        raise ManagementUnavailable(
            f"target {target.name!r} has no management_token (a personal access token, sbp_…: "
            f"set {target.env_name('management_token')} or management_token in {setting})"
        )
    if ref is None:
        raise ManagementUnavailable(
            f"target {target.name!r} has no project_ref and its supabase_url is not "
            f"https://<ref>.supabase.co (set {target.env_name('project_ref')} or project_ref "
            f"in {setting})"
        )
    base = (target.management_url or MANAGEMENT_API).rstrip("/")
    try:
        answer = http.get(
            f"{base}/v1/projects/{ref}/{path}",
            headers={"Authorization": f"Bearer {target.management_token}"},
        )
    except httpx.HTTPError as exc:
        raise ManagementUnavailable(
            f"the Management API ({base}) could not be reached for {target.name}: "
            f"{type(exc).__name__}"
        ) from None
    if answer.status_code != 200:
        raise ManagementUnavailable(
            f"the Management API refused to read {target.name}'s {what} (project {ref}): "
            f"{answer.status_code} {excerpt(answer.text, 200)}"
            + (" (check management_token)" if answer.status_code in (401, 403) else "")
        )
    try:
        return ref, answer.json()
    except ValueError:
        raise ManagementUnavailable(
            f"the Management API's answer for {target.name}'s {what} is not JSON: "
            f"{excerpt(answer.text, 200)}"
        ) from None


def read_or_skip(read: Callable[[], T], target: Target) -> T:
    """`read()`; when it raises ManagementUnavailable, the test is not verified if `target`
    has no token (nothing configured), and fails naming the cause if it has one."""
    try:
        return read()
    except ManagementUnavailable as exc:
        if not target.management_token:
            pytest.skip(f"not verified: {exc}")
        pytest.fail(str(exc), pytrace=False)
