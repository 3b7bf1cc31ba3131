"""The rollback dump's own logic: the archive header, where the scratch database goes, its name,
and the settings that configure it (age limit, restore server, its password redacted)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from postmigration.applicability import is_loopback
from postmigration.config import ConfigFile, Environment, load_target, secrets_of
from postmigration.dump import parse_listing, restore_server, scratch_name
from postmigration.errors import InvalidUrlError, MalformedConfigError
from postmigration.session import RunConfig, build_run_config

LISTING = """;
; Archive created at 2025-07-30 09:00:00 UTC
;     dbname: postgres
;     TOC Entries: 5
;
; Selected TOC Entries:
;
9; 2615 16389 SCHEMA - auth postgres
2; 3079 16392 EXTENSION - pgcrypto 
231; 1259 16540 TABLE public courses postgres
3500; 0 16540 TABLE DATA public courses postgres
3501; 0 16400 TABLE DATA auth users postgres
"""  # noqa: W291 (pg_restore ends an extension's line with a space)

RESTORE_URL = "postgresql://restorer:s3cret-Restore@db.example.com:5432/postgres"


def test_listing_reads_the_header_date_and_the_tables_with_data() -> None:
    listing = parse_listing(LISTING)
    assert listing.created_at == datetime(2025, 7, 30, 9, 0, 0)
    assert listing.zone == "UTC"
    assert listing.tables_with_data == {"public.courses", "auth.users"}
    assert listing.entries == 5
    assert listing.age_hours(datetime(2025, 7, 31, 10, 30)) == pytest.approx(25.5)
    assert parse_listing("").age_hours() is None


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("postgresql://u:p@127.0.0.1:5432/postgres", True),
        ("postgresql://u:p@localhost/postgres", True),
        ("postgresql://u:p@[::1]:5432/postgres", True),
        ("postgresql://u:p@db.abcdefghijklmnop.supabase.co:5432/postgres", False),
        ("postgresql://u:p@10.0.0.7/postgres", False),
    ],
)
def test_only_a_loopback_target_is_restored_on_its_own_server(url: str, local: bool) -> None:
    assert is_loopback(url) is local
    assert restore_server(None, url) == (url if local else None)
    assert restore_server(RESTORE_URL, url) == RESTORE_URL


def test_scratch_name_is_a_plain_identifier_carrying_the_run_id() -> None:
    assert scratch_name("pm-1a2b3c") == "pm_rollback_1a2b3c"
    assert scratch_name("pm-Build 42/7") == "pm_rollback_build_42_7"
    assert len(scratch_name("pm-" + "x" * 100)) == 63


def _config(**settings: object) -> ConfigFile:
    table = {
        "supabase_url": "https://abc.supabase.co",
        "anon_key": "anon-key-123456",
        "service_role_key": "service-key-123456",
        **settings,
    }
    return ConfigFile(Path("postmigration.toml"), "test", {"targets": {"new": table}})


def test_dump_settings_from_file_and_environment() -> None:
    target = load_target("new", _config(), Environment({}))
    assert target.dump_max_age_hours == 24.0 and target.dump_restore_url is None
    target = load_target(
        "new",
        _config(dump_max_age_hours=0.5),
        Environment({"NEW_DUMP_RESTORE_URL": RESTORE_URL}),
    )
    assert target.dump_max_age_hours == 0.5 and target.dump_restore_url == RESTORE_URL
    assert "s3cret-Restore" in secrets_of(target).secrets
    assert "s3cret-Restore" not in repr(target)
    env = Environment({"NEW_DUMP_MAX_AGE_HOURS": "6"})
    assert load_target("new", _config(), env).dump_max_age_hours == 6.0


@pytest.mark.parametrize("bad", [0, -1, "soon", True])
def test_a_bad_age_limit_is_named(bad: object) -> None:
    with pytest.raises(MalformedConfigError, match="dump_max_age_hours must be a number"):
        load_target("new", _config(dump_max_age_hours=bad), Environment({}))


def test_restore_url_option_wins_is_checked_and_redacted(tmp_path: Path) -> None:
    def run(option: str | None) -> RunConfig:
        return build_run_config(
            target_name="new",
            config_file=_config(dump_restore_url="postgresql://u:file-pass-1@h/postgres"),
            env=Environment({}),
            cwd=tmp_path,
            root=tmp_path,
            compare_to=None,
            run_id="pm-000000",
            report_dir="reports",
            dump=None,
            dump_restore_url=option,
        )

    assert run(None).dump_restore_url == "postgresql://u:file-pass-1@h/postgres"
    chosen = run(RESTORE_URL)
    assert chosen.dump_restore_url == RESTORE_URL
    assert chosen.redactor.scrub(f"pw s3cret-Restore in {RESTORE_URL}").count("s3cret") == 0
    with pytest.raises(InvalidUrlError, match="--dump-restore-url: .* not a PostgreSQL URL"):
        run("http://not-postgres")


def test_a_scratch_restore_leaves_out_pg_cron_and_its_data() -> None:
    """pg_cron lives in one database per server: its extension, comment and the cron schema's
    data are not in the scratch use-list, nor among the tables the restore is compared by."""
    listing = parse_listing(
        "; Archive created at 2026-11-30 04:03:00 UTC\n"
        "4; 3079 16948 EXTENSION - pg_cron \n"
        "3895; 0 0 COMMENT - EXTENSION pg_cron \n"
        "3; 3079 16429 EXTENSION - uuid-ossp \n"
        "3410; 0 16951 TABLE DATA cron job postgres\n"
        "3904; 0 0 SEQUENCE SET cron jobid_seq postgres\n"
        "3411; 0 16960 TABLE DATA public goals postgres\n"
        "3412; 0 16980 TABLE DATA net _http_response postgres\n"
    )
    assert listing.one_database_extensions == ("pg_cron",)
    assert listing.scratch_tables == {"public.goals"}  # pg_net's live log is not compared
    kept = listing.scratch_use_list()
    assert "pg_cron" not in kept and " cron " not in kept
    assert "uuid-ossp" in kept and "public goals" in kept and "net _http_response" in kept
