"""Post-migration: "Weight measurement insert & report function", through the app."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from postmigration.app_profile import AppProfile
from postmigration.cleanup import Created
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.functions import weight_report
from postmigration.measurements import weight_not_recorded
from postmigration.pages import WeightPage, report_call_problems

if TYPE_CHECKING:
    from supabase import Client

pytestmark = [pytest.mark.postmigration, pytest.mark.e2e, pytest.mark.item("weight-report")]

ACCOUNT = "user"  # the API check measures another account, so both can run at once


def _report_problems(where: str, count: Any, latest: Any, expected: int, kg: Decimal) -> list[str]:
    problems = []
    if count is None or Decimal(str(count)) != expected:
        problems.append(f"{where} counts {count} measurements, expected {expected}")
    if latest is None or Decimal(str(latest)) != kg:
        problems.append(f"{where} shows {latest} as the latest weight, not the {kg} kg just added")
    return problems


def test_measurement_appears_in_history_and_report(
    target: Target,
    app_page: Callable[..., Any],
    screen: Callable[..., Any],
    signed_in: Callable[[str], Client],
    created: Created,
    http: httpx.Client,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """A measurement added in the UI (a weight the user has not recorded before, so an old row
    cannot stand in for it) shows in the history, and weight-report (called by the app
    on the target's API, answered 2xx, its count and latest weight the ones the app shows; and
    invoked directly) counts it and shows it as the latest."""
    target.require_writable()
    measurements = app_profile.table("weight_measurements")
    client = signed_in(ACCOUNT)
    before = weight_report(http, target, client, app_profile.function("weight_report"))
    expected = int(before.get("count") or 0) + 1
    kg = weight_not_recorded(client, measurements)
    page = screen(WeightPage, app_page(ACCOUNT))
    page.goto()
    with created.inserts_into(client, measurements):
        page.add_measurement(kg)
        page.expect_measurement_added()
    page.expect_in_history(kg)
    function = app_profile.function("weight_report")

    def shown_report() -> Any:
        page.show_report()
        return page.expect_report()

    shown, calls = page.calls_to(function, shown_report)
    if not calls:
        pytest.fail(
            f"the app showed a weight report without calling {function}: "
            "the report did not come from the function",
            pytrace=False,
        )
    direct = weight_report(http, target, client, app_profile.function("weight_report"))
    evidence.text("reports", f"before: {before}\nshown: {dict(shown)}\ndirect: {direct}")
    problems = report_call_problems(calls[-1], shown, target.supabase_url, function)
    problems += _report_problems(
        "the report in the app", shown.get("count"), shown.get("latest"), expected, kg
    )
    problems += _report_problems(
        f"{app_profile.function('weight_report')} invoked directly",
        direct.get("count"),
        (direct.get("latest") or {}).get("value_kg"),
        expected,
        kg,
    )
    fail_on(problems, "the weight report does not include the new measurement")
