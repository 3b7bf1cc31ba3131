"""Post-migration: "Weight measurement insert & report function", through the API."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.functions import weight_report
from postmigration.measurements import weight_not_recorded

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [
    pytest.mark.postmigration,
    pytest.mark.edge_functions,
    pytest.mark.item("weight-report"),
]

# The browser flow measures the "user"; this test uses another account so both can run at once.
ACCOUNT = "invitee"


def test_weight_report_counts_a_new_measurement(
    target: Target,
    signed_in: Callable[[str], Client],
    created: Created,
    http: httpx.Client,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """After one insert, weight-report counts one more measurement and shows it as the latest."""
    target.require_writable()
    measurements = app_profile.table("weight_measurements")
    client = signed_in(ACCOUNT)
    before = weight_report(http, target, client, app_profile.function("weight_report"))
    kg = weight_not_recorded(client, measurements)  # no older row can pass for it
    row = client.table(measurements).insert({"weight_kg": str(kg)}).execute().data[0]
    created.row(measurements, row["id"])
    after = weight_report(http, target, client, app_profile.function("weight_report"))
    evidence.text("weight-report before and after", f"before: {before}\nafter: {after}")
    latest = (after.get("latest") or {}).get("value_kg")
    problems = []
    if after.get("count") != (before.get("count") or 0) + 1:
        problems.append(
            f"the report counts {after.get('count')} measurements after adding one to "
            f"{before.get('count')}"
        )
    if latest is None or Decimal(str(latest)) != kg:
        problems.append(f"the report's latest weight is {latest}, not the {kg} kg just added")
    fail_on(problems, "weight-report does not include the new measurement")
