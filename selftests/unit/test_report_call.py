"""The app's own call of weight-report, judged from the answer the browser saw.

The failing branches are proven on a running playbook (selftests/gate/test_strength_flows.py:
a refused call); these pin where a call may go and what must match what is shown.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from postmigration.pages.weight import WeightReport, report_call_problems

API = "https://abcdefghijklmnop.supabase.co"


class _Answer:
    """What report_call_problems reads of a Playwright Response."""

    def __init__(self, url: str, body: Any, status: int = 200) -> None:
        self.url, self.status, self._body = url, status, body

    def json(self) -> Any:
        return self._body


SHOWN = WeightReport(count=Decimal(4), latest=Decimal("72.30"))
BODY = {"count": 4, "latest": {"value_kg": 72.3}}


def test_the_project_s_own_functions_host_is_the_target() -> None:
    """Through /functions/v1 or the hosted project's <ref>.functions.supabase.co: no problem."""
    for url in (
        f"{API}/functions/v1/weight-report",
        "https://abcdefghijklmnop.functions.supabase.co/weight-report",
    ):
        assert report_call_problems(_Answer(url, BODY), SHOWN, API, "weight-report") == []


def test_another_project_s_host_is_named() -> None:
    """Old's functions host is not the target's."""
    url = "https://qrstuvwxyzabcdef.functions.supabase.co/weight-report"
    problems = report_call_problems(_Answer(url, BODY), SHOWN, API, "weight-report")
    assert problems == [
        "the app called weight-report at https://qrstuvwxyzabcdef.functions.supabase.co, "
        f"not the target's API {API}"
    ]


def test_a_report_other_than_the_answer_is_named() -> None:
    """The screen shows a count the function did not answer."""
    shown = WeightReport(count=Decimal(5), latest=Decimal("72.30"))
    answer = _Answer(f"{API}/functions/v1/weight-report", BODY)
    (problem,) = report_call_problems(answer, shown, API, "weight-report")
    assert "is not what weight-report answered the app (count 4" in problem
