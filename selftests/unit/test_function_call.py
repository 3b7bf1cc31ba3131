"""Which browser requests count as the app's call of an edge function (goal-invite)."""

from __future__ import annotations

import pytest

from postmigration.functions import is_function_call

NAME = "goal-notifications"


@pytest.mark.parametrize(
    "url",
    [
        "https://abc.supabase.co/functions/v1/goal-notifications",
        "http://127.0.0.1:54321/functions/v1/goal-notifications?lang=en",
        "https://api.example.com/supabase/functions/v1/goal-notifications/",
        "https://api.example.com/functions/v1/goal-notifications/resend",
        "https://abcdefghijklmnop.functions.supabase.co/goal-notifications",
        "https://abcdefghijklmnop.functions.supabase.co/goal-notifications/?x=1",
    ],
)
def test_a_call_of_the_function_counts(url: str) -> None:
    assert is_function_call(url, NAME), url


@pytest.mark.parametrize(
    "url",
    [
        "https://abc.supabase.co/functions/v1/goal-notifications-v2",
        "https://abc.supabase.co/functions/v1/weight-report",
        "https://abc.supabase.co/rest/v1/goal-notifications",
        "https://abc.supabase.co/goal-notifications",
        "https://abcdefghijklmnop.functions.supabase.co/weight-report",
        "https://app.example.com/goals?next=/functions/v1/goal-notifications",
    ],
)
def test_another_request_does_not(url: str) -> None:
    assert not is_function_call(url, NAME), url
