"""The carried-parts comparisons' own logic (no database): what each difference is called."""

from __future__ import annotations

from postmigration.auth_settings import settings_differences
from postmigration.db.carried import (
    CronJob,
    Webhook,
    cron_problems,
    publication_problems,
    vault_problems,
    webhook_problems,
)

OLD, NEW = "http://old.test", "http://new.test"
MOVES = [(OLD + "/", NEW + "/")]
CMD = "select net.http_post(url := '{}/functions/v1/x')"


def _job(command: str = CMD.format(NEW), **kw: object) -> CronJob:
    fields: dict = {"name": "nightly", "schedule": "0 3 * * *", "command": command, "active": True}
    return CronJob(**{**fields, **kw})


def test_a_job_moved_with_its_origin_is_fine() -> None:
    """Old's command with old's origin equals new's with new's: no problem."""
    old = {"nightly": _job(CMD.format(OLD))}
    assert cron_problems({"nightly": _job()}, old, MOVES, [OLD]) == []


def test_each_job_difference_is_named() -> None:
    """Missing, inactive, other schedule, failed last run, old origin: each in words."""
    old = {"nightly": _job(CMD.format(OLD)), "weekly": _job(name="weekly")}
    new = {
        "nightly": _job(CMD.format(OLD), schedule="0 4 * * *", active=False, last_status="failed",
                        last_message="connection refused\nmore"),
    }  # fmt: skip
    found = cron_problems(new, old, MOVES, [OLD])
    assert 'cron job "weekly" (0 3 * * *) is not scheduled on new' in found
    assert 'cron job "nightly" runs at "0 4 * * *" on new but "0 3 * * *" on old' in found
    assert 'cron job "nightly" is inactive on new (active on old)' in found
    assert 'cron job "nightly" failed its last run on new: connection refused' in found
    assert f'cron job "nightly" on new calls old\'s origin {OLD}' in found


def test_no_pg_cron_on_new_fails_only_when_old_had_jobs() -> None:
    """New without pg_cron: a failure naming old's jobs (the test passes when old has none)."""
    assert cron_problems(None, {"n": _job()}, MOVES, [OLD]) == [
        "pg_cron is not installed on new: old's 1 job(s) do not run"
    ]


def test_a_job_reading_a_stale_vault_secret_is_named() -> None:
    """A command reading Vault's project_url, whose value names old: named with the secret."""
    job = _job(
        "select (select decrypted_secret from vault.decrypted_secrets where name = 'project_url')"
    )
    found = cron_problems({"nightly": job}, {"nightly": job}, MOVES, [OLD], [("project_url", OLD)])
    assert found == [
        f'cron job "nightly" on new calls old\'s origin {OLD} through Vault secret project_url'
    ]


def test_vault_problems_name_the_secret_never_its_value() -> None:
    """Missing, not decrypting, naming old: each by the secret's name."""
    found = vault_problems({"b": False}, {"a": True, "b": True}, [("b", OLD)])
    assert found[0] == "Vault secret a is missing on new"
    assert found[1].startswith("Vault secret b does not decrypt on new")
    assert found[2] == f"Vault secret b on new names old's origin {OLD}"
    assert vault_problems(None, {"a": True}, []) == [
        "Vault is not set up on new: old's 1 secret(s) are missing"
    ]


def test_webhook_problems() -> None:
    """A webhook moved to new is fine (enabled, or enabled always); one calling old, one
    disabled, one firing only for replication, one missing are named."""
    key = "hook on public.t"
    old = {
        key: Webhook(key, OLD + "/functions/v1/x", "O"),
        "gone on public.t": Webhook("g", OLD, "O"),
    }
    assert (
        webhook_problems(
            {key: Webhook(key, NEW + "/functions/v1/x", "O")}, {key: old[key]}, MOVES, [OLD]
        )
        == []
    )
    always = {key: Webhook(key, NEW + "/functions/v1/x", "A")}
    assert webhook_problems(always, {key: old[key]}, MOVES, [OLD]) == []
    replica = {key: Webhook(key, NEW + "/functions/v1/x", "R")}
    assert webhook_problems(replica, {key: old[key]}, MOVES, [OLD]) == [
        f"webhook {key} is enabled only for replication (ENABLE REPLICA) on new: "
        "the app's writes do not call it"
    ]
    found = webhook_problems({key: Webhook(key, OLD + "/functions/v1/x", "D")}, old, MOVES, [OLD])
    assert f"webhook {key} is disabled on new: the app's writes do not call it" in found
    assert "webhook gone on public.t is missing on new" in found
    assert f"webhook {key} on new still calls old: {OLD}" in found


def test_publication_and_settings_differences() -> None:
    """A table no longer published; a provider turned off and sign-ups closed."""
    assert publication_problems({"public.a"}, {"public.a", "public.b"}) == [
        "table public.b is not in publication supabase_realtime on new: realtime changes to it "
        "are not sent"
    ]
    old = {"external": {"email": True, "google": True}, "disable_signup": False}
    new = {"external": {"email": True, "google": False}, "disable_signup": True}
    assert settings_differences(new, old) == [
        "auth provider google is disabled on new (enabled on old)",
        "auth setting disable_signup is True on new, False on old",
    ]


def test_a_webhook_calling_differently_is_named_without_header_values() -> None:
    """Another method, a header old sends missing on new (named, lower case, no value), other
    query params and another timeout are each named; extra headers on new are not a problem."""
    key = "hook on public.t"
    old = Webhook(key, OLD + "/x", "O", "POST", ("apikey", "authorization"), "{}", "5000")
    moved = Webhook(
        key, NEW + "/x", "O", "POST", ("apikey", "authorization", "x-trace"), "{}", "5000"
    )
    assert webhook_problems({key: moved}, {key: old}, MOVES, [OLD]) == []
    by_hand = Webhook(key, NEW + "/x", "O", "GET", ("content-type",), '{"a": "1"}', "1000")
    assert webhook_problems({key: by_hand}, {key: old}, MOVES, [OLD]) == [
        f"webhook {key} sends GET on new, POST on old",
        f"webhook {key} on new does not send the header(s) apikey, authorization that old sends: "
        "the function gets its calls without them",
        f"webhook {key} sends other query params on new than on old",
        f"webhook {key} waits 1000 ms on new, 5000 ms on old",
    ]
