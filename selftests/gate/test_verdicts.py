"""The gate's verdicts, proved end to end: the team's playbook migrates old -> new for real,
then the suite runs as a release manager would run it (a subprocess, real flags).

- A clean playbook run is GO with every item passed (tls-dns not applicable: the stand-in is
  plain http on this machine), from the explicit `--target=new --compare-to=old
  --pm-config=...` form and from the `--target=local` demo.
- Each playbook fault is NO-GO, and the item the fault breaks is failed with a reason that
  names what is wrong (the bucket, the extension, the old site, the sequence, the old origin,
  the missing secret, the lost policies, the lost migration history, the private bucket, the
  disabled trigger, the lost default privileges, the lost revoke, the extension in public, the
  identities left behind, the replication mode left on the database).
- Bad input (old unreachable, a dump missing or truncated, no migrations dir, a wrong database
  password) is never GO, never a hang, never a traceback: the affected item says why in one line.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from selftests.gate.conftest import (
    ServingPlaybook,
    SuiteRun,
    assert_clean_go,
    assert_tls_not_applicable_on_loopback,
    footprint,
    run_suite,
    serving_playbook,
)

# Items that stand on old: with old out of reach they cannot say anything good.
PARITY = ("schema-parity", "data-parity", "storage-parity")
# Statuses that are never a pass; summary.json also has "passed" and "not_applicable".
NOT_PASSED = ("failed", "not_verified", "blocked")
# Bad input answers like any run (~20-30 s here); far slower means something waited on a
# dead peer instead of giving up (the harness kills a run outright at SUITE_TIMEOUT_S).
BAD_INPUT_BOUND_S = 150.0


def _assert_clean_output(run: SuiteRun, secrets: list[str]) -> None:
    """No traceback anywhere the user looks, and no secret in the output or the reports."""
    texts = run.report_texts()
    assert "Traceback" not in texts, f"a traceback reached the user:\n{run.digest()}"
    leaked = [s[:4] + "…" for s in secrets if s in texts]
    assert not leaked, f"secrets starting {leaked} appear in the output or reports"


def _assert_no_go(run: SuiteRun) -> None:
    assert run.verdict == "NO-GO", run.digest()
    assert run.exit_code == 1, run.digest()


def _assert_bad_input_answered(run: SuiteRun) -> None:
    """NO-GO, and in about the time of a normal run: bad input never makes the gate wait."""
    _assert_no_go(run)
    assert run.took_s < BAD_INPUT_BOUND_S, f"the gate took {run.took_s:.0f}s:\n{run.digest()}"


# Items proved by reading alone: a read-only target must still pass them.
READ_ONLY_ITEMS = (
    "migrations",
    "rls-policies",
    "buckets",
    "extensions",
    "schema-parity",
    "data-parity",
    "restore-finished",
    "grants",
    "role-settings",
    "old-references",
    "storage-parity",
    "rollback-dump",
    "scheduled-jobs",
    "vault",
    "webhooks",
    "realtime",
    "auth-settings",
    "auth-config",
    "auth-redirects",
    "function-secrets",
)


def _one_clear_reason(item: dict[str, object]) -> str:
    reason = str(item["reason"])
    assert reason.strip(), f"{item['id']} gives no reason"
    assert "\n" not in reason.strip(), f"{item['id']}'s reason is not one line: {reason!r}"
    return reason


def _explicit(run: ServingPlaybook) -> tuple[str, ...]:
    """The documented command line: check new, compared with old, from the playbook's config."""
    return ("--target=new", "--compare-to=old", f"--pm-config={run.config_path}")


class TestCleanRunAndBadInput:
    """One clean playbook run serves the GO checks and every bad-input check."""

    @pytest.fixture(scope="class")
    @classmethod
    def clean(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServingPlaybook]:
        """old and new after a clean playbook run, served until the class is done."""
        with serving_playbook(tmp_path_factory.mktemp("clean") / "state") as running:
            yield running

    @pytest.fixture(scope="class")
    @classmethod
    def first_run(
        cls, clean: ServingPlaybook, tmp_path_factory: pytest.TempPathFactory
    ) -> SuiteRun:
        """The gate's first run on the freshly migrated new."""
        return run_suite(tmp_path_factory.mktemp("first-run"), *_explicit(clean))

    @pytest.fixture(scope="class")
    @classmethod
    def old_unreachable(
        cls, clean: ServingPlaybook, tmp_path_factory: pytest.TempPathFactory
    ) -> tuple[SuiteRun, int]:
        """The gate run with old's API and database on a port where nothing listens."""
        with socket.socket() as held:
            held.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
            port = int(held.getsockname()[1])
            old_db = str(clean.target("old")["db_url"])
            dead_db = old_db.rsplit("@", 1)[0] + f"@127.0.0.1:{port}/postgres"
            run = run_suite(
                tmp_path_factory.mktemp("old-unreachable"),
                *_explicit(clean),
                env={
                    "OLD_SUPABASE_URL": f"http://127.0.0.1:{port}",
                    "OLD_SUPABASE_DB_URL": dead_db,
                },
            )
        return run, port

    def test_clean_playbook_run_is_go(self, clean: ServingPlaybook, first_run: SuiteRun) -> None:
        """Every checklist item passes and the exit code is 0, with no secret in any report."""
        assert_clean_go(first_run)
        _assert_clean_output(first_run, clean.secrets())

    def test_read_only_target_is_left_untouched(
        self, clean: ServingPlaybook, first_run: SuiteRun, tmp_path: Path
    ) -> None:
        """Declared read-only, the gate writes nothing: new's rows and objects are exactly as
        before the run; the checks that only read still pass; the items that can only be proved
        by writing are not verified, each saying why, so the verdict is NO-GO."""
        db_url = str(clean.target("new")["db_url"])
        before = footprint(db_url, "public")
        run = run_suite(tmp_path, *_explicit(clean), env={"NEW_READ_ONLY": "true"})
        changed = {
            t: (before[t], f) for t, f in footprint(db_url, "public").items() if before.get(t) != f
        }
        assert not changed, f"a read-only run changed new: {changed}\n{run.digest()}"
        _assert_no_go(run)
        for item_id in READ_ONLY_ITEMS:
            assert run.item(item_id)["status"] == "passed", run.digest()
        assert_tls_not_applicable_on_loopback(run)
        unproved = {
            k: v for k, v in run.statuses().items() if v not in ("passed", "not_applicable")
        }
        assert unproved, "a read-only run cannot prove the writing flows, yet every item passed"
        for item_id, status in unproved.items():
            reason = _one_clear_reason(run.item(item_id))
            assert status == "not_verified" and "read-only" in reason, (item_id, status, reason)
        _assert_clean_output(run, clean.secrets())

    def test_unreachable_old_target_holds_parity(
        self, clean: ServingPlaybook, old_unreachable: tuple[SuiteRun, int]
    ) -> None:
        """The parity items are not passed and each says old is unreachable, in one line; the
        gate says NO-GO without hanging."""
        run, port = old_unreachable
        _assert_bad_input_answered(run)
        for item_id in PARITY:
            item = run.item(item_id)
            assert item["status"] in NOT_PASSED, run.digest()
            reason = _one_clear_reason(item)
            assert "unreachable" in reason and str(port) in reason, reason
        _assert_clean_output(run, clean.secrets())

    def test_unreachable_old_target_is_named_by_every_item_it_stops(
        self, old_unreachable: tuple[SuiteRun, int]
    ) -> None:
        """Every item that did not pass because old is gone says so: it names old's address
        (a release manager must not read it as new being down)."""
        run, port = old_unreachable
        unclear = {
            item["id"]: item["reason"]
            for item in run.summary["items"]
            if item["status"] in NOT_PASSED and str(port) not in item["reason"]
        }
        assert not unclear, f"reasons that do not name old (port {port}): {unclear}"

    def test_missing_dump_fails_rollback(self, clean: ServingPlaybook, tmp_path: Path) -> None:
        """--dump names a file that does not exist: rollback-dump fails, saying so."""
        missing = tmp_path / "backup_gone.dump"
        run = run_suite(tmp_path / "report", *_explicit(clean), f"--dump={missing}")
        _assert_bad_input_answered(run)
        item = run.item("rollback-dump")
        assert item["status"] == "failed", run.digest()
        reason = _one_clear_reason(item)
        assert "backup_gone.dump" in reason and "does not exist" in reason, reason
        _assert_clean_output(run, clean.secrets())

    def test_truncated_dump_fails_rollback(self, clean: ServingPlaybook, tmp_path: Path) -> None:
        """The playbook's dump cut in half (a copy interrupted): rollback-dump fails and names it."""
        truncated = tmp_path / "backup_truncated.dump"
        shutil.copyfile(clean.dump, truncated)
        with truncated.open("r+b") as handle:
            handle.truncate(truncated.stat().st_size // 2)
        run = run_suite(tmp_path / "report", *_explicit(clean), f"--dump={truncated}")
        _assert_bad_input_answered(run)
        item = run.item("rollback-dump")
        assert item["status"] == "failed", run.digest()
        reason = _one_clear_reason(item)
        assert "pg_restore cannot read backup_truncated.dump" in reason, reason
        _assert_clean_output(run, clean.secrets())

    def test_missing_migrations_dir_fails_migrations(
        self, clean: ServingPlaybook, tmp_path: Path
    ) -> None:
        """[app] migrations_dir names a folder that does not exist: the migrations item is not
        passed and names the folder and the setting to fix."""
        config = tmp_path / "postmigration.toml"
        config.write_text(
            clean.config_path.read_text() + '\n[app]\nmigrations_dir = "no-such-migrations"\n'
        )
        run = run_suite(
            tmp_path / "report", "--target=new", "--compare-to=old", f"--pm-config={config}"
        )
        _assert_bad_input_answered(run)
        item = run.item("migrations")
        assert item["status"] in NOT_PASSED, run.digest()
        reason = _one_clear_reason(item)
        assert "no-such-migrations" in reason and "does not exist" in reason, reason
        assert "migrations_dir" in reason, reason
        _assert_clean_output(run, clean.secrets())

    def test_wrong_db_password_blocks_database_items(
        self, clean: ServingPlaybook, tmp_path: Path
    ) -> None:
        """NEW_SUPABASE_DB_URL with a wrong password: the items that need new's database are not
        passed and say the password was refused; the wrong password itself is never shown."""
        new_db = str(clean.target("new")["db_url"])
        user = new_db.split("://", 1)[1].partition(":")[0]
        host = new_db.rsplit("@", 1)[1]
        wrong = "wrong-pw-7f3a9c21"
        bad_url = f"postgresql://{user}:{wrong}@{host}"
        run = run_suite(tmp_path, *_explicit(clean), env={"NEW_SUPABASE_DB_URL": bad_url})
        _assert_bad_input_answered(run)
        for item_id in (
            "migrations",
            "rls-policies",
            "extensions",
            "schema-parity",
            "data-parity",
            "restore-finished",
            "grants",
            "role-settings",
            "old-references",
            "rollback-dump",
        ):
            item = run.item(item_id)
            assert item["status"] in NOT_PASSED, run.digest()
            reason = _one_clear_reason(item)
            assert "password authentication failed" in reason, reason
        _assert_clean_output(run, [*clean.secrets(), wrong])


# fault -> (the item it breaks, words its reason must hold; OLD_ORIGIN stands for old's URL)
FAULTS = {
    "skip-bucket-sync:chat-images": ("storage-parity", ("chat-images",)),
    "skip-bucket-sync:avatars": ("storage-parity", ("differ from old", "avatars/")),
    "skip-bucket-sync:course-thumbnails": (
        "storage-parity",
        ("differ from old", "course-thumbnails/"),
    ),
    "skip-bucket-sync:media": ("storage-parity", ("differ from old", "media/")),
    "storage-owner-lost:avatars": ("storage-parity", ("owned by no one on new", "avatars/")),
    "role-settings-lost": (
        "role-settings",
        ("role authenticated: statement_timeout is 8s on new but 15s on old",),
    ),
    "missing-extension:uuid-ossp": ("extensions", ("extension uuid-ossp is not installed",)),
    "missing-extension:pgcrypto": ("extensions", ("extension pgcrypto is not installed",)),
    "stale-site-url": ("goal-invite", ("SITE_URL", "OLD_ORIGIN")),
    "sequence-behind": ("restore-finished", ("sequence", "behind")),
    "matview-left-empty": (
        "restore-finished",
        ("materialized view reporting.course_stats has no data",),
    ),
    "stale-origin": ("app-deploy", ("old origin", "OLD_ORIGIN")),
    "missing-secret:RESEND_API_KEY": ("edge-functions", ("goal-notifications", "RESEND_API_KEY")),
    "missing-secret:EMAIL_FROM": ("edge-functions", ("goal-notifications", "EMAIL_FROM")),
    # The dry run does not need it: only the Management API listing shows it is gone.
    "missing-secret:WHATSAPP_TOKEN": ("function-secrets", ("WHATSAPP_TOKEN", "not on new")),
    "lost-policies:weight_measurements": ("rls-policies", ("weight_measurements", "missing")),
    "lost-policies:profiles": ("rls-policies", ("profiles", "missing")),
    "lost-policies:courses": ("rls-policies", ("courses", "missing")),
    "lost-policies:goals": ("rls-policies", ("goals", "missing")),
    "lost-policies:daily_missions": ("rls-policies", ("daily_missions", "missing")),
    "no-migration-history": ("migrations", ("schema_migrations", "no migration is recorded")),
    "private-bucket:avatars": ("buckets", ('bucket "avatars" is not public',)),
    "private-bucket:course-thumbnails": ("buckets", ('bucket "course-thumbnails" is not public',)),
    "disabled-trigger:on_auth_user_created": (
        "schema-parity",
        ("on_auth_user_created", "disabled"),
    ),
    "disabled-trigger:on_avatar_deleted": (
        "schema-parity",
        ("trigger on_avatar_deleted on storage.objects is disabled on new",),
    ),
    "lost-default-privileges": ("grants", ("default privileges", "schema reporting")),
    "lost-revoke": ("grants", ("anon holds", "weight_measurements", "old does not grant")),
    "extension-in-public:uuid-ossp": ("schema-parity", ("extension uuid-ossp", "in schema public")),
    "extension-in-public:pgcrypto": ("schema-parity", ("extension pgcrypto", "in schema public")),
    "identities-not-restored": ("data-parity", ("no identity in auth.identities",)),
    "replica-role-left": ("restore-finished", ("session_replication_role",)),
    "service-role-without-bypass": (
        "rls-policies",
        ("role service_role does not bypass row level security on new",),
    ),
    "platform-trigger-lost:auth": (
        "schema-parity",
        ("trigger on_auth_user_created on auth.users is missing on new",),
    ),
    "platform-trigger-lost:storage": (
        "schema-parity",
        ("trigger on_avatar_deleted on storage.objects is missing on new",),
    ),
    "role-grant-lost": (
        "grants",
        ("role report_reader is not granted to authenticator on new (old grants it)",),
    ),
    "restore-role-left": (
        "grants",
        ("role restorer (login, bypassrls) is on new but not on old",),
    ),
    "report-role-given-to-users": (
        "grants",
        ("role authenticated is a member of report_reader on new but not on old",),
    ),
    "owner-role-given-to-api-login": (
        "grants",
        ("role authenticator is a member of postgres on new but not on old",),
    ),
    "event-trigger-lost": (
        "schema-parity",
        ("event trigger ensure_rls_on_new_tables is missing on new",),
    ),
    "view-runs-as-owner": (
        "schema-parity",
        (
            "security of view reporting.weekly_weight differs: new has 'runs as its owner (no"
            " security_invoker)",
        ),
    ),
    "reload-stopped": (
        "restore-finished",
        ("foreign key lessons_module_id_fkey on public.lessons is not enforced",),
    ),
    "index-left-invalid": (
        "restore-finished",
        ("index public.weight_measurements_one_per_week on public.weight_measurements is invalid",),
    ),
    "cron-job-missing:nightly-goal-reminders": (
        "scheduled-jobs",
        ('cron job "nightly-goal-reminders"', "is not scheduled on new"),
    ),
    "cron-job-inactive:nightly-goal-reminders": (
        "scheduled-jobs",
        ('cron job "nightly-goal-reminders"', "is inactive on new"),
    ),
    "stale-cron-url": ("scheduled-jobs", ("OLD_ORIGIN", "through Vault secret project_url")),
    "stale-webhook-key": (
        "webhooks",
        ("sends old's service_role_key in its headers", "new refuses it"),
    ),
    "stale-cron-key": (
        "scheduled-jobs",
        ("sends old's service_role_key (Vault secret service_role_key)", "new refuses it"),
    ),
    "stale-webhook-url": ("webhooks", ("goal_invites_webhook", "still calls old", "OLD_ORIGIN")),
    "vault-secret-missing:service_role_key": (
        "vault",
        ("Vault secret service_role_key is missing on new",),
    ),
    "vault-secret-missing:project_url": ("vault", ("Vault secret project_url is missing on new",)),
    "vault-ciphertext-copied": ("vault", ("does not decrypt on new",)),
    "publication-table-dropped": ("realtime", ("public.notifications", "supabase_realtime")),
    "auth-provider-disabled:google": ("auth-settings", ("auth provider google is disabled",)),
    "auth-provider-disabled:github": ("auth-settings", ("auth provider github is disabled",)),
    "smtp-not-set": ("auth-config", ("custom SMTP is not set on new", "smtp.resend.com")),
    "hook-not-enabled": (
        "auth-config",
        ("the custom access token auth hook is off on new", "custom_access_token_hook"),
    ),
    "hook-grant-lost": (
        "grants",
        ("supabase_auth_admin lacks EXECUTE on function public.custom_access_token_hook",),
    ),
    "redirect-url-missing": (
        "auth-redirects",
        ("lmsapp://auth/callback", "redirect URL allow-list"),
    ),
    "stale-build": ("app-build", ("a stale deploy",)),
    "release-not-built": (
        "app-build",
        ("dist/build.json was built from", "the app changed since (.env.production)"),
    ),
    "built-on-old-node": (
        "app-build",
        ("the app was built on Node v18.19.0", "engines.node (>=20) does not allow"),
    ),
    "dirty-repo": ("repo-ready", (".env.production modified",)),
    "dns-not-switched": ("dns-cutover", ("still resolves to old",)),
    "dns-ttl-high": ("dns-cutover", ("TTL of 3600 s",)),
    "dns-aaaa-left-on-old": (
        "dns-cutover",
        ("its AAAA records to old (address fd00::2 of old.lms.test)", "over IPv6"),
    ),
    "dns-switched-early": ("dns-cutover", ("switched before the gate ran",)),
    "domain-not-added": (
        "dns-cutover",
        ("answered 404 (Site not found", "is app.lms.test added to new's site as a domain?"),
    ),
    "secret-key-revoked": (
        "api-keys",
        ("new refuses the configured secret_key (401: Invalid API key)", "NEW_SUPABASE_SECRET_KEY"),
    ),
    "old-publishable-key": ("app-deploy", ("the app sends an API key that is not one of new's",)),
    "function-verifies-jwt": (
        "edge-functions",
        (
            "refuses the new API keys (UNAUTHORIZED_INVALID_JWT_FORMAT)",
            "turn off its JWT verification",
        ),
    ),
    "jwks-not-served": ("api-keys", ("jwks.json answered 404: the JWKS is not served",)),
}
# Faults seen by the gate before the DNS switch: the playbook stops short of the switch, and the
# gate runs as the pre-cutover gate (the others are seen right after the switch, the default).
BEFORE_THE_SWITCH = {"dirty-repo", "dns-ttl-high", "dns-switched-early", "built-on-old-node"}


def test_local_demo_is_go(tmp_path: Path) -> None:
    """`--target=local` runs the playbook itself, checks new against old: GO, and it leaves
    no stand-in state behind."""
    # A short TMPDIR of its own: Chromium puts its singleton socket there, and a Unix socket
    # path over 107 bytes (as under pytest-xdist's tmp_path) stops it at launch.
    scratch = Path(tempfile.mkdtemp(prefix="pm-demo-", dir="/tmp"))
    try:
        run = run_suite(
            tmp_path / "report",
            "--target=local",
            "--local-rows=3000",
            env={"TMPDIR": str(scratch)},
        )
        assert_clean_go(run)
        assert "Traceback" not in run.report_texts(), run.digest()
        assert not list(scratch.glob("pm-local-*")), "the demo left its stand-in state behind"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
