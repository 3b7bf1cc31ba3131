"""Database webhooks against the committed snapshot (no old): what the snapshot keeps of a
webhook, and what each difference is called (no database)."""

from __future__ import annotations

from postmigration.db.carried import Webhook, kept_webhooks, webhook_snapshot_problems

KEY = "goal_invites_webhook on public.goal_invites"
NEW = "http://127.0.0.1:5400"
SNAPSHOT = "the snapshot"


def _hook(url: str = NEW + "/functions/v1/goal-notifications", **kw: object) -> Webhook:
    fields: dict = {"key": KEY, "url": url, "firing": "O", "headers": ("apikey", "authorization")}
    return Webhook(**{**fields, **kw})


def test_the_snapshot_keeps_no_origin_and_no_query_value() -> None:
    """Another project's same webhook keeps the same; its query values never are kept."""
    mine = kept_webhooks({KEY: _hook("https://abc.supabase.co/functions/v1/x?token=s3cr3t")})
    theirs = kept_webhooks({KEY: _hook("http://127.0.0.1:9/functions/v1/x?token=other")})
    assert mine == theirs
    assert mine[KEY]["url"] == "<origin>/functions/v1/x?token=…"
    assert "s3cr3t" not in str(mine) and "abc.supabase.co" not in str(mine)


def test_a_webhook_as_kept_calling_new_is_fine() -> None:
    kept = kept_webhooks({KEY: _hook("https://staging.example/functions/v1/goal-notifications")})
    assert webhook_snapshot_problems({KEY: _hook()}, kept, SNAPSHOT, [NEW]) == []


def test_each_difference_from_the_snapshot_is_named() -> None:
    """Missing, disabled, another path, method, header, params, timeout: each in words naming
    the snapshot."""
    other = KEY.replace("goal_invites", "notifications")
    kept = kept_webhooks({KEY: _hook(timeout_ms="5000"), other: _hook(key=other)})
    changed = _hook(
        NEW + "/functions/v1/other",
        firing="D",
        method="GET",
        headers=("apikey",),
        params='{"a": 1}',
        timeout_ms="1000",
    )
    assert webhook_snapshot_problems({KEY: changed}, kept, SNAPSHOT, [NEW]) == [
        f"webhook {KEY} is disabled on new: the app's writes do not call it",
        f"webhook {KEY} calls <origin>/functions/v1/other on new, the snapshot has"
        " <origin>/functions/v1/goal-notifications",
        f"webhook {KEY} sends GET on new, POST on the snapshot",
        f"webhook {KEY} on new does not send the header(s) authorization that the snapshot"
        " sends: the function gets its calls without them",
        f"webhook {KEY} sends other query params on new than on the snapshot",
        f"webhook {KEY} waits 1000 ms on new, 5000 ms on the snapshot",
        f"webhook {other} is missing on new (the snapshot has it)",
    ]


def test_a_webhook_calling_another_project_is_named_with_its_origin() -> None:
    """A project API path on another origin than new's: named (as old's when the target names
    that origin old); a third party's URL (no project path) is not."""
    prod = "https://prod.example.com"
    hooks = {KEY: _hook(prod + "/functions/v1/goal-notifications")}
    kept = kept_webhooks(hooks)
    assert webhook_snapshot_problems(hooks, kept, SNAPSHOT, [NEW]) == [
        f"webhook {KEY} on new calls another project than new: {prod}"
    ]
    assert webhook_snapshot_problems(hooks, kept, SNAPSHOT, [NEW], [prod]) == [
        f"webhook {KEY} on new still calls old: {prod}"
    ]
    slack = {KEY: _hook("https://hooks.slack.com/services/T0/B0")}
    assert webhook_snapshot_problems(slack, kept_webhooks(slack), SNAPSHOT, [NEW]) == []
