"""The weight screen: add a measurement, the history, and the weight-report summary."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Locator, Response, expect

from postmigration.origins import functions_host, origin_of
from postmigration.pages._base import DEFAULT_TIMEOUT_MS, ScreenPage

__all__ = ["WeightPage", "WeightReport", "report_call_problems"]

_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_READ_TERMS = """dl => Object.fromEntries([...dl.querySelectorAll('dt')].map(dt => {
  let dd = dt.nextElementSibling;
  while (dd && dd.tagName !== 'DD') dd = dd.nextElementSibling;
  return [dt.innerText.trim(), dd ? dd.innerText.trim() : ''];
}))"""


def _number(text: str) -> Decimal | None:
    match = _NUMBER.search(text)
    return Decimal(match.group().replace(",", ".")) if match else None


def _weight_pattern(kg: Decimal) -> re.Pattern[str]:
    """Matches a cell showing this weight however many decimals it uses (72.5, 72.50)."""
    whole, _, fraction = f"{kg.normalize():f}".partition(".")
    decimals = rf"\.{fraction}0*" if fraction else r"(?:\.0*)?"
    return re.compile(rf"^\s*{re.escape(whole)}{decimals}\s*(?:kg)?\s*$")


class WeightReport(dict[str, Decimal | None]):
    """The report as shown: count, latest and change (numbers parsed from the screen)."""


class WeightPage(ScreenPage):
    """Add a measurement, find it in the history, and read the report."""

    route_name = "weight"
    heading_key = "weight_heading"

    @property
    def history(self) -> Locator:
        """The history table, by its caption."""
        return self.page.get_by_role("table", name=self.text("weight_history_table"), exact=True)

    @property
    def report_panel(self) -> Locator:
        """The report (a description list named by the profile)."""
        return self.page.get_by_label(self.text("weight_report_label"), exact=True)

    def add_measurement(self, kg: float | Decimal | str) -> None:
        """Type the weight in kg and press add."""
        self.field("weight_label").fill(str(kg))
        self.button("add_measurement_button").click()

    def expect_measurement_added(self, *, timeout: float = DEFAULT_TIMEOUT_MS) -> None:
        """The app confirms the measurement was added."""
        self.expect_outcome("measurement_added_message", timeout=timeout)

    def expect_in_history(
        self, kg: float | Decimal | str, *, timeout: float = DEFAULT_TIMEOUT_MS
    ) -> None:
        """A row of the history table shows this weight."""
        cell = self.history.get_by_role("cell", name=_weight_pattern(Decimal(str(kg))))
        expect(cell.first, f"{kg} kg is not in the weight history").to_be_visible(timeout=timeout)

    def show_report(self) -> None:
        """Press the report button (the app invokes the weight-report function)."""
        self.button("show_report_button").click()

    def expect_report(self, *, timeout: float = 30_000.0) -> WeightReport:
        """The report is shown; returns its count, latest (kg) and change (kg)."""
        self.expect_outcome("report_ready_message", timeout=timeout)
        expect(self.report_panel, "the weight report is not shown").to_be_visible(timeout=timeout)
        terms: dict[str, str] = self.report_panel.evaluate(_READ_TERMS)
        report = WeightReport()
        for name, key in (
            ("count", "report_count_term"),
            ("latest", "report_latest_term"),
            ("change", "report_change_term"),
        ):
            term = self.text(key)
            if term not in terms:
                raise AssertionError(
                    f'the weight report does not show "{term}" (it shows {sorted(terms)})'
                )
            report[name] = _number(terms[term])
        return report


def report_call_problems(
    call: Response, shown: WeightReport, api_url: str, function: str
) -> list[str]:
    """What is wrong with the app's own call of the report function, the one whose answer the
    screen shows: made to the target's API (or, hosted, its own functions host), answered
    2xx, and its count and latest weight
    (``latest.value_kg``) the ones shown (not a report the app worked out some other way)."""
    api, called = origin_of(api_url), origin_of(call.url)
    if called not in (api, functions_host(api)):  # a hosted project's functions host is its own
        return [f"the app called {function} at {called}, not the target's API {api}"]
    if not 200 <= call.status < 300:
        return [f"the app's call of {function} was answered {call.status}"]
    try:
        body = call.json()
    except Exception:  # not JSON: Playwright raises its own error
        return [f"the app's call of {function} answered no JSON"]
    latest = (body.get("latest") or {}).get("value_kg") if isinstance(body, dict) else None
    count = body.get("count") if isinstance(body, dict) else None
    answered = (_number(str(count)), _number(str(latest)))
    if answered != (shown.get("count"), shown.get("latest")):
        return [
            f"the report in the app (count {shown.get('count')}, latest {shown.get('latest')}) "
            f"is not what {function} answered the app (count {count}, latest {latest})"
        ]
    return []
