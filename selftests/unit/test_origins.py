"""A hosted old project's older functions host counts as old, and moves with the API.

On a playbook target: `selftests/gate/test_strength_carry.py` schedules a cron job on new that
calls ``https://<old ref>.functions.supabase.co/goal-notifications`` and sees scheduled-jobs
fail, naming the host (green before the functions host counted as old).
"""

from __future__ import annotations

import pytest

from postmigration.config import Target
from postmigration.origins import functions_host, old_origins, pointing_at_old
from postmigration.parity import origin_moves

OLD = Target(name="old", supabase_url="https://oldref.supabase.co", site_url="https://lms.app")
NEW = Target(name="new", supabase_url="https://newref.supabase.co", site_url="https://lms.app")


@pytest.mark.parametrize(
    ("origin", "host"),
    [
        ("https://oldref.supabase.co", "https://oldref.functions.supabase.co"),
        ("https://api.lms.app", None),  # a custom domain has no such host
        ("http://127.0.0.1:54321", None),  # self-hosted
        ("https://oldref.functions.supabase.co", None),  # already the functions host
        ("https://oldref.supabase.co:8443", None),
        ("https://supabase.co", None),
    ],
)
def test_only_a_hosted_api_has_a_functions_host(origin: str, host: str | None) -> None:
    """``<ref>.supabase.co`` -> ``<ref>.functions.supabase.co``; nothing else has one."""
    assert functions_host(origin) == host


def test_old_s_functions_host_is_an_old_origin() -> None:
    """With --compare-to and with old_origins configured, a call to old's functions host is
    a call to old; new's own functions host never is."""
    from_comparison = old_origins(NEW, OLD)
    configured = old_origins(
        Target(
            name="new", supabase_url=NEW.supabase_url, old_origins=("https://oldref.supabase.co/",)
        ),
        None,
    )
    for olds in (from_comparison, configured):
        assert "https://oldref.functions.supabase.co" in olds, olds
        assert "https://newref.functions.supabase.co" not in olds, olds
    called = [
        "https://oldref.functions.supabase.co/goal-notifications",
        "https://newref.functions.supabase.co/goal-notifications",
    ]
    assert pointing_at_old(called, from_comparison) == called[:1]


def test_configured_old_origins_add_to_the_compared_old_s_never_replace_them() -> None:
    """old_origins naming old's site alone (the README's sample) and --compare-to old: old's
    API is still an old origin (it was dropped: a page calling old's API passed)."""
    site_only = Target(
        name="new", supabase_url=NEW.supabase_url, old_origins=("https://old.example.com",)
    )
    olds = old_origins(site_only, OLD)
    assert "https://old.example.com" in olds and "https://oldref.supabase.co" in olds, olds
    assert old_origins(site_only, None) == ("https://old.example.com",)


def test_the_functions_host_moves_between_hosted_projects() -> None:
    """A stored URL on old's functions host is expected on new's after the move."""
    moves = dict(origin_moves(NEW, OLD))
    assert moves["https://oldref.functions.supabase.co/"] == "https://newref.functions.supabase.co/"
    self_hosted = Target(name="new", supabase_url="http://127.0.0.1:54321")
    assert all("functions" not in before for before, _ in origin_moves(self_hosted, OLD))
