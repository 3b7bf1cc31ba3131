"""Scheduled jobs against the committed snapshot (no old): what the snapshot keeps of a job,
and what each difference is called (no database)."""

from __future__ import annotations

from postmigration.db.carried import (
    CronJob,
    command_digest,
    cron_snapshot_problems,
    kept_cron_jobs,
    vault_problems,
)

SNAPSHOT = "the snapshot"
VIA_VAULT = (
    "select net.http_post(url := (select decrypted_secret from vault.decrypted_secrets"
    " where name = 'project_url') || '/functions/v1/goal-notifications')"
)
# made-up keys, random-looking as real ones are (a run of one letter does not look like a key)
KEY = "sb_secret_TAGYkKdHPh8hXGfc_GAKwCam60tGOanN"
OTHER_KEY = "sb_secret_9fQ2rLx7VbN4mTzW1cKpD8sYhJ3gE6uA"


def _job(command: str = VIA_VAULT, **kw: object) -> CronJob:
    fields: dict = {"name": "nightly", "schedule": "0 3 * * *", "command": command, "active": True}
    return CronJob(**{**fields, **kw})


def test_the_snapshot_keeps_no_origin_and_no_key() -> None:
    """Two projects' same command (each with its own URL and key, spaced otherwise) keep one
    digest; neither the URL nor the key is in what the snapshot keeps."""
    mine = "select net.http_post(url := 'https://abc.supabase.co/functions/v1/x', key := '{}')"
    theirs = "select  net.http_post(url := 'http://127.0.0.1:5432/functions/v1/x',\n key := '{}')"
    assert command_digest(mine.format(KEY)) == command_digest(theirs.format(OTHER_KEY))
    kept = kept_cron_jobs({"nightly": _job(mine.format(KEY))})
    assert set(kept["nightly"]) == {"schedule", "active", "command"}
    assert "abc.supabase.co" not in str(kept) and KEY not in str(kept)
    assert command_digest("select 1") != command_digest("select 2")


def test_a_job_as_the_snapshot_keeps_it_is_fine() -> None:
    kept = kept_cron_jobs({"nightly": _job()})
    assert cron_snapshot_problems({"nightly": _job(last_status="succeeded")}, kept, SNAPSHOT) == []


def test_each_difference_from_the_snapshot_is_named() -> None:
    """Missing, other schedule, other command, inactive, failed last run: each in words, naming
    the snapshot."""
    kept = kept_cron_jobs({"nightly": _job(), "weekly": _job(name="weekly")})
    new = {
        "nightly": _job("select 1", schedule="0 4 * * *", active=False, last_status="failed",
                        last_message="connection refused"),
    }  # fmt: skip
    assert cron_snapshot_problems(new, kept, SNAPSHOT) == [
        'cron job "nightly" runs at "0 4 * * *" on new but "0 3 * * *" on the snapshot',
        'cron job "nightly" runs a different command on new than on the snapshot (its URLs and'
        " keys aside)",
        'cron job "nightly" is inactive on new (active on the snapshot)',
        'cron job "nightly" failed its last run on new: connection refused',
        'cron job "weekly" (0 3 * * *) is not scheduled on new (the snapshot has it)',
    ]


def test_no_pg_cron_on_new_fails_only_when_the_snapshot_keeps_jobs() -> None:
    assert cron_snapshot_problems(None, kept_cron_jobs({"nightly": _job()}), SNAPSHOT) == [
        "pg_cron is not installed on new: the snapshot's 1 job(s) do not run"
    ]
    assert cron_snapshot_problems(None, {}, SNAPSHOT) == []


def test_a_job_calling_a_project_through_a_url_elsewhere_is_named_once() -> None:
    """A job calling /functions/v1/ with the URL of Vault secret project_url, which holds
    another origin than new's: named; named as old's instead when the target knows that origin
    as old; a secret holding a URL elsewhere that no project call reads is no finding."""
    kept = kept_cron_jobs({"nightly": _job()})
    new = {"nightly": _job()}
    assert cron_snapshot_problems(new, kept, SNAPSHOT, elsewhere=["project_url", "slack_url"]) == [
        'cron job "nightly" on new calls another project than new through Vault secret'
        " project_url: the URL it holds is not on new's origin"
    ]
    old = "https://old.example"
    assert cron_snapshot_problems(
        new, kept, SNAPSHOT, [old], [("project_url", old)], ["project_url"]
    ) == [f'cron job "nightly" on new calls old\'s origin {old} through Vault secret project_url']


def test_vault_against_the_snapshot_names_it() -> None:
    assert vault_problems(None, {"project_url": True}, [], where=SNAPSHOT) == [
        "Vault is not set up on new: the snapshot's 1 secret(s) are missing"
    ]
    assert vault_problems({"project_url": False}, {"project_url": True, "key": True}, []) == [
        "Vault secret key is missing on new",
        "Vault secret project_url does not decrypt on new (copied as ciphertext from old? "
        "re-create it with vault.create_secret)",
    ]
