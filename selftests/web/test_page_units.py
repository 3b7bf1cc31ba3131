"""Units of the page objects' own logic: reading weights shown on screen, defaults, routes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from postmigration.pages import DEFAULT_ROUTES, DEFAULT_SELECTORS, HomePage, WeightPage
from postmigration.pages.weight import _number, _weight_pattern


@pytest.mark.parametrize(
    ("kg", "shown", "matches"),
    [
        ("72.5", "72.50", True),
        ("72.5", "72.5 kg", True),
        ("72.5", "72.05", False),
        ("72.5", "172.50", False),
        ("70", "70.00", True),
        ("70", "70", True),
        ("70", "700", False),
        ("68.37", "68.37", True),
        ("68.37", "68.3", False),
    ],
)
def test_weight_pattern_matches_the_same_number_only(kg: str, shown: str, matches: bool) -> None:
    """A history cell matches the weight whatever trailing zeros it shows, and nothing else."""
    assert bool(_weight_pattern(Decimal(kg)).search(shown)) is matches


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("31", Decimal(31)),
        ("68.37 kg", Decimal("68.37")),
        ("-1,50 kg", Decimal("-1.50")),
        ("—", None),
    ],
)
def test_report_numbers_are_read_from_the_screen(text: str, value: Decimal | None) -> None:
    """Report values are parsed from what the screen shows; a dash means no value."""
    assert _number(text) == value


def test_profile_overrides_routes_and_selectors_over_the_defaults() -> None:
    """A route or label from the app profile replaces the default; the rest stay."""
    page = WeightPage(
        page=None,  # type: ignore[arg-type]  # no browser needed to build URLs and texts
        base_url="https://app.example.org/base",
        selectors={"weight_label": "Poids (kg)"},
        routes={"weight": "/app/poids"},
    )
    assert page.url == "https://app.example.org/base/app/poids"
    assert page.text("weight_label") == "Poids (kg)"
    assert page.text("add_measurement_button") == DEFAULT_SELECTORS["add_measurement_button"]
    home = HomePage(None, "https://app.example.org/")  # type: ignore[arg-type]
    assert home.url == "https://app.example.org/"
    assert set(DEFAULT_ROUTES) >= {
        "login",
        "home",
        "profile",
        "admin_courses",
        "goals",
        "invites",
        "daily_mission",
        "weight",
    }
    assert all(isinstance(v, str) for v in DEFAULT_SELECTORS.values())
