"""The stand-in's Resend keeps a team's rate limit as Resend does: N requests per second-long
window, the rest refused, with the IETF draft's headers on every answer."""

from __future__ import annotations

from reference.stack.gateway.rate_limit import RequestsPerSecond


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_two_requests_a_second_then_refused_until_the_next_second() -> None:
    """At 2 a second: two requests pass (remaining 1, then 0), the third is refused with
    retry-after 1, and the next second starts afresh."""
    clock = _Clock(100.2)
    budget = RequestsPerSecond(2, clock=clock)
    first, second, third = budget.take(), budget.take(), budget.take()
    assert first == (
        True,
        {"ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "1"},
    )
    assert second[0] is True and second[1]["ratelimit-remaining"] == "0"
    assert third[0] is False
    assert third[1]["retry-after"] == "1" and third[1]["ratelimit-remaining"] == "0"
    clock.now = 100.999
    assert budget.take()[0] is False
    clock.now = 101.0
    assert budget.take() == (
        True,
        {"ratelimit-limit": "2", "ratelimit-remaining": "1", "ratelimit-reset": "1"},
    )
