"""The `--fault` hook: named ways to do one step of the playbook wrong.

Every step consults the run's fault object at the point where a real operator could slip.
`Fault` itself does every step right (the clean run); each subclass overrides the one hook
of the step it spoils. `REGISTRY` below is the catalogue; `known_faults()` spells out each name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reference.stack.keys import KeyMode

from .errors import UnknownFault
from .toc import TocEntry

APP_BUCKETS = ("avatars", "course-thumbnails", "chat-images", "media")
APP_EXTENSIONS = ("pgcrypto", "uuid-ossp")
# Secrets the smoke function needs on every call (so the gate's smoke test must catch them).
SMOKE_SECRETS = ("RESEND_API_KEY", "EMAIL_FROM")
# Secrets a fault can leave unset: the smoke test's, and one only an invite with a phone reads.
FUNCTION_SECRETS = (*SMOKE_SECRETS, "WHATSAPP_TOKEN")
# Tables whose policies come with the dump (the reapplied migration covers storage only).
POLICY_TABLES = ("weight_measurements", "profiles", "courses", "goals", "daily_missions")
PUBLIC_BUCKETS = ("avatars", "course-thumbnails")
# Triggers the app keeps on platform tables, with the table they sit on
# (a profile per new user; an avatar's URL forgotten when it is deleted, migration
# forget_deleted_avatars).
APP_TRIGGERS = {"on_auth_user_created": "auth.users", "on_avatar_deleted": "storage.objects"}
# The same, by platform schema (platform-trigger-lost:<schema>): "<trigger> on <table>".
PLATFORM_TRIGGERS = {
    table.partition(".")[0]: f"{trigger} on {table}" for trigger, table in APP_TRIGGERS.items()
}
# The app's event trigger that switches row level security on for each new table in public.
RLS_EVENT_TRIGGER = "ensure_rls_on_new_tables"
# The app's role the course statistics export's tokens claim.
REPORT_ROLE = "report_reader"
# The report view that runs as the caller (security_invoker), re-created by view-runs-as-owner.
REPORT_VIEW = "reporting.weekly_weight"
# The table whose rows the reload-stopped fault loads again, data only, into new.
RELOADED_TABLE = ("public", "lessons")
# The unique index the index-left-invalid fault fails to build by hand on new.
WEEKLY_WEIGH_IN_INDEX = "weight_measurements_one_per_week"
MIGRATION_HISTORY = ("supabase_migrations", "schema_migrations")
AUTH_IDENTITIES = ("auth", "identities")
# What the project carries besides rows (see extras.py).
APP_CRON_JOBS = ("nightly-goal-reminders",)
APP_VAULT_SECRETS = ("project_url", "service_role_key")
APP_PROVIDERS = ("google", "github")
APP_DEEP_LINK = "lmsapp://auth/callback"
# The function the app and the webhook call (deployed with JWT verification by the fault).
APP_NOTIFY_FUNCTION = "goal-notifications"


@dataclass(frozen=True)
class Fault:
    """No fault: every hook answers what the playbook prescribes."""

    name: str = "none"
    step: str = ""
    damage: str = "none"

    def restore_entry(self, entry: TocEntry) -> bool:
        """restore: should this archive entry be restored? (yes)"""
        return True

    def privilege_entry(self, entry: TocEntry) -> bool:
        """privileges: should this grant (ACL or DEFAULT ACL entry of old's) be restored? (yes)"""
        return True

    def role_statement(self, statement: str) -> bool:
        """roles: should this statement of old's roles dump run on new? (yes)"""
        return True

    def grants_reset(self) -> bool:
        """privileges: are the fresh project's grants on the restored objects revoked before
        old's are restored? (yes)"""
        return True

    def extensions_lost(self) -> tuple[str, ...]:
        """extensions: which extensions the target ends up without? (none)"""
        return ()

    def extensions_in_public(self) -> tuple[str, ...]:
        """extensions: which extensions end up in schema public instead of extensions? (none)"""
        return ()

    def bucket_synced(self, bucket: str) -> bool:
        """storage-sync: is this bucket's directory copied? (every bucket)"""
        return True

    def owners_kept(self, bucket: str) -> bool:
        """storage-sync: do this bucket's objects keep the owner old recorded? (every bucket)"""
        return True

    def urls_rewritten(self) -> bool:
        """rewrite-urls: are stored URLs moved from old's origin to new's? (yes)"""
        return True

    def function_secrets(self, secrets: Mapping[str, str], old_site_url: str) -> dict[str, str]:
        """functions-deploy: the secrets set on new (as composed by the playbook)."""
        return dict(secrets)

    def smoke_tested(self) -> bool:
        """functions-deploy: is the smoke function invoked once the secrets are set? (yes)"""
        return True

    def pending_migrations_applied(self) -> bool:
        """migrations: are the files not recorded on new applied? (yes)"""
        return True

    def by_hand_sql(self) -> tuple[str, ...]:
        """after the database steps: SQL an operator ran by hand on new (none)."""
        return ()

    def failed_by_hand_sql(self) -> tuple[str, ...]:
        """after the database steps: SQL an operator ran by hand on new that failed, and the
        operator went on (none)."""
        return ()

    def reloaded_table(self) -> tuple[str, str] | None:
        """after the database steps: a table (schema, name) whose rows an operator loaded again
        from the dump with a data-only restore that stopped at its first error (none)."""
        return None

    def vault_secret_copied(self, name: str) -> bool:
        """extras: is this Vault secret copied to new? (every one)"""
        return True

    def vault_copied_as_ciphertext(self) -> bool:
        """extras: are Vault rows copied as they are, ciphertext and all? (no: re-created)"""
        return False

    def vault_value_rewritten(self, name: str) -> bool:
        """extras: does a secret naming old's origin or key get new's? (yes)"""
        return True

    def cron_job_recreated(self, name: str) -> bool:
        """extras: is this pg_cron job scheduled again on new? (every one)"""
        return True

    def cron_job_active(self, name: str) -> bool:
        """extras: is the re-created job left active? (as on old)"""
        return True

    def webhooks_rewritten(self) -> bool:
        """extras: are the restored webhooks re-created with new's URL and key? (yes)"""
        return True

    def webhook_key_rewritten(self) -> bool:
        """extras: does each re-created webhook send new's key instead of old's? (yes)"""
        return True

    def publication_reenabled(self) -> bool:
        """extras: are old's realtime tables published on new? (yes)"""
        return True

    def role_settings_carried(self) -> bool:
        """extras: are old's settings of the API roles (ALTER ROLE … SET) set on new? (yes)"""
        return True

    def auth_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        """extras: the auth settings saved on new (old's, origin rewritten)."""
        return settings

    def new_key_mode(self, asked: KeyMode) -> KeyMode:
        """start-new: the API keys new is made with (`--new-keys`)."""
        return asked

    def jwt_verified_functions(self) -> tuple[str, ...]:
        """functions-deploy: functions deployed with JWT verification on a project with only the
        current keys (none: `--no-verify-jwt`, as Supabase requires for sb_ keys)."""
        return ()

    def app_public_key(self, new_key: str, old_key: str) -> str:
        """app-deploy: the public API key the deployed build carries (new's)."""
        return new_key

    def gateway_switches(self, new_target: Mapping[str, Any]) -> dict[str, object]:
        """after the deploys: route switches of new's API gateway (gateway.json) left by hand or
        by a proxy in front of it (none)."""
        return {}

    def deploys_release_build(self) -> bool:
        """app-deploy: is the release's build the one deployed on new? (yes)"""
        return True

    def build_node(self, here: str | None) -> str | None:
        """app-deploy: the Node.js the release is built on (this machine's, `here`)."""
        return here

    def builds_release(self) -> bool:
        """app-deploy: is the release commit built (`npm run build:prod`) before the deploy?
        (yes)"""
        return True

    def left_in_work_tree(self) -> dict[str, str]:
        """app-deploy: edits (file -> text appended) left uncommitted in the app's repo (none)."""
        return {}

    def public_name_added_to_new(self) -> bool:
        """app-deploy: is the public name added to new's site as one of its domains? (yes)"""
        return True

    def public_name_ttl_s(self, low_ttl_s: int, everyday_ttl_s: int) -> int:
        """dns-low-ttl: the public name's TTL from 24h before the switch on (the low one)."""
        return low_ttl_s

    def public_name_on_new(self, before_switch: bool) -> bool:
        """dns-switch: does the public name point at new once the playbook is done? (yes,
        unless it stops before the switch)"""
        return not before_switch

    def public_name_at_apex(self) -> bool:
        """dns-low-ttl: is the public name a zone apex, with A and AAAA records of its own?
        (no: a CNAME to an origin)"""
        return False

    def public_name_aaaa_switched(self) -> bool:
        """dns-switch: at an apex, is the AAAA record switched along with the A record? (yes)"""
        return True


@dataclass(frozen=True)
class SkipBucketSync(Fault):
    """The rsync of one bucket was forgotten: its rows arrive with the dump, its bytes don't."""

    bucket: str = ""

    def bucket_synced(self, bucket: str) -> bool:
        return bucket != self.bucket


@dataclass(frozen=True)
class StorageOwnerLost(Fault):
    """One bucket was copied through the Storage API with the service key (as a copy script
    does) instead of with the dump and rsync: same names and bytes, but each object is now
    owned by no one, so policies deciding by owner no longer let its user change it."""

    bucket: str = ""

    def owners_kept(self, bucket: str) -> bool:
        return bucket != self.bucket


@dataclass(frozen=True)
class MissingExtension(Fault):
    """The new server has no such extension: it and the column defaults calling it are gone."""

    extension: str = ""

    def extensions_lost(self) -> tuple[str, ...]:
        return (self.extension,)


@dataclass(frozen=True)
class StaleSiteUrl(Fault):
    """The functions' secrets were copied from old unchanged: SITE_URL still names old's site."""

    def function_secrets(self, secrets: Mapping[str, str], old_site_url: str) -> dict[str, str]:
        return {**secrets, "SITE_URL": old_site_url}


@dataclass(frozen=True)
class StaleOrigin(Fault):
    """The URL rewrite was skipped: thumbnails, avatars and media still load from old."""

    def urls_rewritten(self) -> bool:
        return False


@dataclass(frozen=True)
class SequenceBehind(Fault):
    """The restore left the sequences' values out: ids restart at 1 below the restored rows."""

    def restore_entry(self, entry: TocEntry) -> bool:
        return entry.kind != "SEQUENCE SET"


@dataclass(frozen=True)
class MaterializedViewLeftEmpty(Fault):
    """The restore left out the materialized views' data (their MATERIALIZED VIEW DATA entries,
    the REFRESH pg_restore runs last): each view is defined on new but was never filled."""

    def restore_entry(self, entry: TocEntry) -> bool:
        return entry.kind != "MATERIALIZED VIEW DATA"


@dataclass(frozen=True)
class MissingSecret(Fault):
    """`supabase secrets set` forgot one secret, and no smoke test ran to show it."""

    secret: str = ""

    def function_secrets(self, secrets: Mapping[str, str], old_site_url: str) -> dict[str, str]:
        return {k: v for k, v in secrets.items() if k != self.secret}

    def smoke_tested(self) -> bool:
        return False


@dataclass(frozen=True)
class LostPolicies(Fault):
    """The restore left out one table's POLICY entries: RLS stays on, its policies are gone."""

    table: str = ""

    def restore_entry(self, entry: TocEntry) -> bool:
        return not (
            entry.kind == "POLICY"
            and entry.schema == "public"
            and entry.tag.startswith(self.table + " ")
        )


@dataclass(frozen=True)
class NoMigrationHistory(Fault):
    """The restore left out the migration history; every file then looked pending, and with
    the schema already restored the operator skipped `db push`."""

    def restore_entry(self, entry: TocEntry) -> bool:
        return not (entry.kind == "TABLE DATA" and (entry.schema, entry.tag) == MIGRATION_HISTORY)

    def pending_migrations_applied(self) -> bool:
        return False


@dataclass(frozen=True)
class PrivateBucket(Fault):
    """After the restore the bucket was recreated by hand in the dashboard, left private."""

    bucket: str = ""

    def by_hand_sql(self) -> tuple[str, ...]:
        return (f"update storage.buckets set public = false where id = '{self.bucket}'",)


@dataclass(frozen=True)
class DisabledTrigger(Fault):
    """The restore's `disable trigger` (to load data quietly) was never undone on new."""

    trigger: str = ""

    def by_hand_sql(self) -> tuple[str, ...]:
        table = APP_TRIGGERS[self.trigger]
        return (f'alter table {table} disable trigger "{self.trigger}"',)


@dataclass(frozen=True)
class LostDefaultPrivileges(Fault):
    """Old's grants were restored without their DEFAULT ACL entries: objects made later in the
    app's own schemas get none of the grants old would give them."""

    def privilege_entry(self, entry: TocEntry) -> bool:
        return entry.kind != "DEFAULT ACL"


@dataclass(frozen=True)
class LostRevoke(Fault):
    """Old's grants were restored on top of what the fresh project's default privileges had
    granted: a table old locked down from anon is readable by anon again."""

    def grants_reset(self) -> bool:
        return False


@dataclass(frozen=True)
class CronJobMissing(Fault):
    """The jobs were re-created from a list that missed one."""

    job: str = ""

    def cron_job_recreated(self, name: str) -> bool:
        return name != self.job


@dataclass(frozen=True)
class CronJobInactive(Fault):
    """The job was re-created paused (to keep it from firing mid-migration), never resumed."""

    job: str = ""

    def cron_job_active(self, name: str) -> bool:
        return name != self.job


@dataclass(frozen=True)
class StaleWebhookUrl(Fault):
    """The webhooks came with the dump and were never re-created: they still call old."""

    def webhooks_rewritten(self) -> bool:
        return False


@dataclass(frozen=True)
class StaleWebhookKey(Fault):
    """The webhook was re-created calling new's URL, but with the key old's dashboard wrote in
    its headers: new refuses its calls."""

    def webhook_key_rewritten(self) -> bool:
        return False


@dataclass(frozen=True)
class ExtensionInPublic(Fault):
    """The extension was created without `with schema extensions`: it lands in public."""

    extension: str = ""

    def extensions_in_public(self) -> tuple[str, ...]:
        return (self.extension,)


@dataclass(frozen=True)
class IdentitiesNotRestored(Fault):
    """The restore left out auth.identities' rows: users exist, their sign-in identities don't."""

    def restore_entry(self, entry: TocEntry) -> bool:
        return not (entry.kind == "TABLE DATA" and (entry.schema, entry.tag) == AUTH_IDENTITIES)


@dataclass(frozen=True)
class IndexLeftInvalid(Fault):
    """Ahead of a release that keeps one weigh-in per user and week, the operator built its
    unique index by hand on new with `create unique index concurrently`. The build failed on
    users who weigh in more often, and the operator went on: the index is left behind invalid,
    kept up to date on every write and used by no query."""

    def failed_by_hand_sql(self) -> tuple[str, ...]:
        return (
            f"create unique index concurrently {WEEKLY_WEIGH_IN_INDEX}"
            " on public.weight_measurements"
            " (user_id, date_trunc('week', measured_at at time zone 'UTC'))",
        )


@dataclass(frozen=True)
class ViewRunsAsOwner(Fault):
    """After the restore, the operator re-ran the weekly weight report's query in the SQL editor
    as `create or replace view … as …`, without its `with (security_invoker = true)`. CREATE OR
    REPLACE VIEW replaces a view's options with those given, here none: the view now reads
    weight_measurements with its owner's rights, past the caller's RLS policies."""

    def by_hand_sql(self) -> tuple[str, ...]:
        return (
            "do $$ begin execute"
            f" 'create or replace view {REPORT_VIEW} as '"
            f" || pg_get_viewdef('{REPORT_VIEW}'::regclass); end $$",
        )


@dataclass(frozen=True)
class ReloadStopped(Fault):
    """Told that some lessons were missing on new, the operator loaded public.lessons' rows
    again from the dump: `pg_restore --data-only --disable-triggers --exit-on-error`. It ran
    `ALTER TABLE … DISABLE TRIGGER ALL`, then its COPY stopped at the first row new already
    held, and it exited before its `ENABLE TRIGGER ALL`. The lessons were all there; the table's
    triggers, its foreign key's among them, stay off."""

    def reloaded_table(self) -> tuple[str, str] | None:
        return RELOADED_TABLE


@dataclass(frozen=True)
class PlatformTriggerLost(Fault):
    """The restore list kept the app's schemas and the platform's data, as a schema dump made
    with `supabase db dump` does: the app's triggers on one platform schema's tables (auth's
    on_auth_user_created, storage's on_avatar_deleted) were left out. The storage policies
    came back with the reapply step; no step puts the triggers back."""

    schema: str = ""

    def restore_entry(self, entry: TocEntry) -> bool:
        return not (entry.kind == "TRIGGER" and entry.schema == self.schema)


@dataclass(frozen=True)
class EventTriggerLost(Fault):
    """The restore ran as a role that may not create event triggers (only a superuser may):
    pg_restore's CREATE EVENT TRIGGER for the app's ensure_rls_on_new_tables failed, and the
    operator let the restore go on past that one error. Its function came back, the trigger
    did not: the next table created in public is exposed without row level security."""

    def restore_entry(self, entry: TocEntry) -> bool:
        return entry.kind != "EVENT TRIGGER"


@dataclass(frozen=True)
class RoleGrantLost(Fault):
    """The app's role was made on new by hand from the dashboard's SQL editor
    (`create role report_reader nologin noinherit`), not from old's roles dump: its grant to
    authenticator never ran. The API cannot switch to the role, and every call of the course
    statistics export, whose token claims it, is refused."""

    def role_statement(self, statement: str) -> bool:
        return not (statement.startswith("GRANT ") and ' TO "authenticator"' in statement)


@dataclass(frozen=True)
class ReplicaRoleLeft(Fault):
    """The restore's `session_replication_role = replica` was set on the database and never
    reset: every later session runs with triggers and foreign keys off."""

    def by_hand_sql(self) -> tuple[str, ...]:
        return (
            "do $$ begin execute format("
            "'alter database %I set session_replication_role = replica', current_database());"
            " end $$",
        )


@dataclass(frozen=True)
class ServiceRoleWithoutBypass(Fault):
    """new's API roles were made by hand from a self-hosting guide's `create role
    service_role nologin`, without BYPASSRLS: every request with the secret key sees only what
    the RLS policies give a role they do not name."""

    def by_hand_sql(self) -> tuple[str, ...]:
        return ("alter role service_role nobypassrls",)


@dataclass(frozen=True)
class RestoreRoleLeft(Fault):
    """The operator made a login role that bypasses RLS to load the data as something other
    than postgres (`create role restorer login bypassrls`), and left it on new when the move
    was done: a credential that reads past every policy."""

    def by_hand_sql(self) -> tuple[str, ...]:
        return ("create role restorer login bypassrls",)


@dataclass(frozen=True)
class ReportRoleGivenToUsers(Fault):
    """Told that the course statistics export failed on new, the operator "fixed" it with
    `grant report_reader to authenticated`, on a server whose authenticated role was made by
    hand (CREATE ROLE's default, INHERIT; Supabase's is NOINHERIT): every signed-in user holds
    the reporting role's rights, the statistics only its tokens should read."""

    def by_hand_sql(self) -> tuple[str, ...]:
        return ("alter role authenticated inherit", f"grant {REPORT_ROLE} to authenticated")


@dataclass(frozen=True)
class OwnerRoleGivenToApiLogin(Fault):
    """Told that the statistics export was refused on new (permission denied), the operator
    "fixed" it with `grant postgres to authenticator`, on a server whose authenticator was made
    by hand (CREATE ROLE's default, INHERIT; Supabase's is NOINHERIT): the API acts as postgres
    for any token whose role claim names it, and its login holds postgres's rights itself."""

    def by_hand_sql(self) -> tuple[str, ...]:
        return ("alter role authenticator inherit", "grant postgres to authenticator")


@dataclass(frozen=True)
class RoleSettingsLost(Fault):
    """The move carried the database but not the roles' settings: a migration's
    `alter role authenticated set statement_timeout` is recorded as applied on new, yet new's
    role keeps the fresh project's timeout."""

    def role_settings_carried(self) -> bool:
        return False


@dataclass(frozen=True)
class StaleCronUrl(Fault):
    """Vault's project_url was copied as it was on old: the nightly job still calls old."""

    def vault_value_rewritten(self, name: str) -> bool:
        return name != "project_url"


@dataclass(frozen=True)
class StaleCronKey(Fault):
    """Vault's service_role_key was copied as it was on old: the nightly job calls new with
    old's key, which new refuses."""

    def vault_value_rewritten(self, name: str) -> bool:
        return name != "service_role_key"


@dataclass(frozen=True)
class VaultSecretMissing(Fault):
    """One Vault secret was not copied to new."""

    secret: str = ""

    def vault_secret_copied(self, name: str) -> bool:
        return name != self.secret


@dataclass(frozen=True)
class VaultCiphertextCopied(Fault):
    """vault.secrets was copied row for row: new's key cannot decrypt old's ciphertext."""

    def vault_copied_as_ciphertext(self) -> bool:
        return True


@dataclass(frozen=True)
class PublicationTableDropped(Fault):
    """The restore left the publication's tables out and realtime was never re-enabled."""

    def restore_entry(self, entry: TocEntry) -> bool:
        return entry.kind != "PUBLICATION TABLE"

    def publication_reenabled(self) -> bool:
        return False


@dataclass(frozen=True)
class ProviderDisabled(Fault):
    """The auth settings were re-entered by hand on new and one provider was left off."""

    provider: str = ""

    def auth_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {**settings, "external": {**settings["external"], self.provider: False}}


@dataclass(frozen=True)
class SmtpNotSet(Fault):
    """The auth settings were re-entered by hand on new without the custom SMTP server."""

    def auth_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in settings.items() if not k.startswith("smtp_")}


@dataclass(frozen=True)
class HookNotEnabled(Fault):
    """The auth settings were re-entered by hand on new without switching the app's access
    token hook back on (its function came with the dump; the switch is a project setting)."""

    def auth_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        return {**settings, "hook_custom_access_token_enabled": False}


@dataclass(frozen=True)
class HookGrantLost(Fault):
    """The access token hook's function lost its grant to supabase_auth_admin on new (dropped
    and re-created by hand, say, without the migration's grants): Auth may not run it, and
    every sign-in fails with a 500."""

    def by_hand_sql(self) -> tuple[str, ...]:
        return (
            "revoke execute on function public.custom_access_token_hook(jsonb)"
            " from supabase_auth_admin",
        )


@dataclass(frozen=True)
class RedirectUrlMissing(Fault):
    """The redirect URL allow-list was re-entered on new without the app's deep link."""

    def auth_settings(self, settings: dict[str, Any]) -> dict[str, Any]:
        allow = [u for u in settings["uri_allow_list"] if u != APP_DEEP_LINK]
        return {**settings, "uri_allow_list": allow}


@dataclass(frozen=True)
class StaleBuild(Fault):
    """The deploy re-used the previous release's artifact: new serves the build old serves."""

    def deploys_release_build(self) -> bool:
        return False


@dataclass(frozen=True)
class ReleaseNotBuilt(Fault):
    """The release was committed but the build step skipped: `dist/` still holds the previous
    build, its manifest included, and that is what got deployed (the site and the manifest
    agree; only the repository's HEAD tells)."""

    def builds_release(self) -> bool:
        return False


@dataclass(frozen=True)
class BuiltOnOldNode(Fault):
    """The build machine still had Node 18 ("node -v # ensure version from package.json engines
    if defined" skipped), while the app's package.json asks for Node >= 20."""

    def build_node(self, here: str | None) -> str | None:
        return "v18.19.0"


@dataclass(frozen=True)
class DirtyRepo(Fault):
    """The build machine's .env.production was edited by hand and never committed."""

    def left_in_work_tree(self) -> dict[str, str]:
        return {".env.production": "DEBUG=true\n"}


@dataclass(frozen=True)
class DnsTtlHigh(Fault):
    """The low-TTL step was skipped: resolvers may keep the old answer for an hour after the
    switch (seen by the gate before the switch)."""

    def public_name_ttl_s(self, low_ttl_s: int, everyday_ttl_s: int) -> int:
        return everyday_ttl_s


@dataclass(frozen=True)
class DnsNotSwitched(Fault):
    """The switch was done on the wrong record: the public name still points at old (seen by
    the gate after the switch)."""

    def public_name_on_new(self, before_switch: bool) -> bool:
        return False


@dataclass(frozen=True)
class DnsAaaaLeftOnOld(Fault):
    """The public name is a zone apex (A and AAAA records, no CNAME) and the switch changed its
    A record only: clients over IPv6 still reach old (seen by the gate after the switch)."""

    def public_name_at_apex(self) -> bool:
        return True

    def public_name_aaaa_switched(self) -> bool:
        return False


@dataclass(frozen=True)
class DomainNotAdded(Fault):
    """The app was deployed on new but the public name was never added to new's site as a
    domain: after the switch the name reaches new, which has no site for it."""

    def public_name_added_to_new(self) -> bool:
        return False


@dataclass(frozen=True)
class DnsSwitchedEarly(Fault):
    """The public name was switched to new before the gate ran (seen by the gate before the
    switch: run the playbook with --before-switch)."""

    def public_name_on_new(self, before_switch: bool) -> bool:
        return True


@dataclass(frozen=True)
class SecretKeyRevoked(Fault):
    """New's secret key was revoked in the dashboard at the move (a new one made to replace it),
    while the config and CI still hold the revoked one."""

    def new_key_mode(self, asked: KeyMode) -> KeyMode:
        return "both" if asked == "legacy" else asked

    def gateway_switches(self, new_target: Mapping[str, Any]) -> dict[str, object]:
        return {"revoked_keys": [new_target["secret_key"]]}


@dataclass(frozen=True)
class OldPublishableKey(Fault):
    """The web app was built with old's environment: it ships old's publishable key."""

    def app_public_key(self, new_key: str, old_key: str) -> str:
        return old_key


@dataclass(frozen=True)
class FunctionVerifiesJwt(Fault):
    """New has only the current keys, and one function was deployed without `--no-verify-jwt`:
    its JWT verification refuses every sb_ key (UNAUTHORIZED_INVALID_JWT_FORMAT), and no smoke
    test ran to show it."""

    function: str = APP_NOTIFY_FUNCTION

    def new_key_mode(self, asked: KeyMode) -> KeyMode:
        return "new"

    def jwt_verified_functions(self) -> tuple[str, ...]:
        return (self.function,)

    def smoke_tested(self) -> bool:
        return False


@dataclass(frozen=True)
class JwksNotServed(Fault):
    """A proxy in front of new's Auth does not route /auth/v1/.well-known/jwks.json: nothing
    can check new's ES256 user tokens."""

    def gateway_switches(self, new_target: Mapping[str, Any]) -> dict[str, object]:
        return {"serve_jwks": False}


@dataclass(frozen=True)
class _Spec:
    """How to make one fault: its name pattern, the values its parameter may take, a maker."""

    pattern: str
    choices: tuple[str, ...]
    make: Callable[[str, str], Fault]


REGISTRY: dict[str, _Spec] = {
    "skip-bucket-sync": _Spec(
        "skip-bucket-sync:<bucket>",
        APP_BUCKETS,
        lambda name, bucket: SkipBucketSync(
            name, "storage-sync", f'bucket "{bucket}" has rows but no bytes on new', bucket
        ),
    ),
    "storage-owner-lost": _Spec(
        "storage-owner-lost:<bucket>",
        ("avatars",),
        lambda name, bucket: StorageOwnerLost(
            name,
            "storage-sync",
            f'bucket "{bucket}" copied with the service key: its objects have no owner on new',
            bucket,
        ),
    ),
    "missing-extension": _Spec(
        "missing-extension:<extension>",
        APP_EXTENSIONS,
        lambda name, ext: MissingExtension(
            name, "extensions", f'extension "{ext}" is not installed on new', ext
        ),
    ),
    "stale-site-url": _Spec(
        "stale-site-url",
        (),
        lambda name, _: StaleSiteUrl(name, "functions-deploy", "SITE_URL on new is old's site"),
    ),
    "stale-origin": _Spec(
        "stale-origin",
        (),
        lambda name, _: StaleOrigin(
            name, "rewrite-urls", "stored media URLs on new still name old's origin"
        ),
    ),
    "sequence-behind": _Spec(
        "sequence-behind",
        (),
        lambda name, _: SequenceBehind(
            name, "restore", "sequences on new are behind the max of their columns"
        ),
    ),
    "matview-left-empty": _Spec(
        "matview-left-empty",
        (),
        lambda name, _: MaterializedViewLeftEmpty(
            name, "restore", "materialized view reporting.course_stats is never filled on new"
        ),
    ),
    "missing-secret": _Spec(
        "missing-secret:<secret>",
        FUNCTION_SECRETS,
        lambda name, secret: MissingSecret(
            name, "functions-deploy", f"secret {secret} is not set on new", secret
        ),
    ),
    "lost-policies": _Spec(
        "lost-policies:<table>",
        POLICY_TABLES,
        lambda name, table: LostPolicies(
            name, "restore", f"the policies of public.{table} are not on new", table
        ),
    ),
    "no-migration-history": _Spec(
        "no-migration-history",
        (),
        lambda name, _: NoMigrationHistory(
            name, "restore", "supabase_migrations.schema_migrations is empty on new"
        ),
    ),
    "private-bucket": _Spec(
        "private-bucket:<bucket>",
        PUBLIC_BUCKETS,
        lambda name, bucket: PrivateBucket(
            name, "by-hand", f'bucket "{bucket}" is private on new', bucket
        ),
    ),
    "disabled-trigger": _Spec(
        "disabled-trigger:<trigger>",
        tuple(APP_TRIGGERS),
        lambda name, trigger: DisabledTrigger(
            name, "by-hand", f"trigger {trigger} is disabled on new", trigger
        ),
    ),
    "lost-default-privileges": _Spec(
        "lost-default-privileges",
        (),
        lambda name, _: LostDefaultPrivileges(
            name, "privileges", "the app schemas' default privileges are not on new"
        ),
    ),
    "lost-revoke": _Spec(
        "lost-revoke",
        (),
        lambda name, _: LostRevoke(
            name, "privileges", "anon regains the table old revoked from it (weight_measurements)"
        ),
    ),
    "extension-in-public": _Spec(
        "extension-in-public:<extension>",
        APP_EXTENSIONS,
        lambda name, ext: ExtensionInPublic(
            name, "extensions", f'extension "{ext}" is in schema public on new', ext
        ),
    ),
    "identities-not-restored": _Spec(
        "identities-not-restored",
        (),
        lambda name, _: IdentitiesNotRestored(
            name, "restore", "auth.identities is empty on new: users have no identity"
        ),
    ),
    "index-left-invalid": _Spec(
        "index-left-invalid",
        (),
        lambda name, _: IndexLeftInvalid(
            name, "by-hand", f"index public.{WEEKLY_WEIGH_IN_INDEX} is left invalid on new"
        ),
    ),
    "view-runs-as-owner": _Spec(
        "view-runs-as-owner",
        (),
        lambda name, _: ViewRunsAsOwner(
            name,
            "by-hand",
            f"view {REPORT_VIEW} re-created without security_invoker: it reads past RLS on new",
        ),
    ),
    "reload-stopped": _Spec(
        "reload-stopped",
        (),
        lambda name, _: ReloadStopped(
            name,
            "by-hand",
            f"a stopped data-only reload left {'.'.join(RELOADED_TABLE)}'s triggers disabled on"
            " new: its foreign key is not enforced",
        ),
    ),
    "platform-trigger-lost": _Spec(
        "platform-trigger-lost:<schema>",
        tuple(PLATFORM_TRIGGERS),
        lambda name, schema: PlatformTriggerLost(
            name,
            "restore",
            f"trigger {PLATFORM_TRIGGERS[schema]} is missing on new",
            schema,
        ),
    ),
    "event-trigger-lost": _Spec(
        "event-trigger-lost",
        (),
        lambda name, _: EventTriggerLost(
            name,
            "restore",
            f"event trigger {RLS_EVENT_TRIGGER} is missing on new: new tables in public get no"
            " row level security",
        ),
    ),
    "role-grant-lost": _Spec(
        "role-grant-lost",
        (),
        lambda name, _: RoleGrantLost(
            name,
            "roles",
            f"role {REPORT_ROLE} made on new without its grant to authenticator: the API cannot"
            " switch to it",
        ),
    ),
    "replica-role-left": _Spec(
        "replica-role-left",
        (),
        lambda name, _: ReplicaRoleLeft(
            name, "by-hand", "the database keeps session_replication_role = replica on new"
        ),
    ),
    "service-role-without-bypass": _Spec(
        "service-role-without-bypass",
        (),
        lambda name, _: ServiceRoleWithoutBypass(
            name, "by-hand", "role service_role does not bypass row level security on new"
        ),
    ),
    "restore-role-left": _Spec(
        "restore-role-left",
        (),
        lambda name, _: RestoreRoleLeft(
            name, "by-hand", "role restorer (login, bypassrls) made for the restore is left on new"
        ),
    ),
    "report-role-given-to-users": _Spec(
        "report-role-given-to-users",
        (),
        lambda name, _: ReportRoleGivenToUsers(
            name, "by-hand", f"every signed-in user holds {REPORT_ROLE}'s rights on new"
        ),
    ),
    "owner-role-given-to-api-login": _Spec(
        "owner-role-given-to-api-login",
        (),
        lambda name, _: OwnerRoleGivenToApiLogin(
            name, "by-hand", "the API's login (authenticator) may act as postgres on new"
        ),
    ),
    "role-settings-lost": _Spec(
        "role-settings-lost",
        (),
        lambda name, _: RoleSettingsLost(
            name,
            "extras",
            "the API roles keep new's settings: authenticated's statement_timeout is not old's",
        ),
    ),
    "cron-job-missing": _Spec(
        "cron-job-missing:<job>",
        APP_CRON_JOBS,
        lambda name, job: CronJobMissing(
            name, "extras", f'cron job "{job}" is not scheduled on new', job
        ),
    ),
    "cron-job-inactive": _Spec(
        "cron-job-inactive:<job>",
        APP_CRON_JOBS,
        lambda name, job: CronJobInactive(
            name, "extras", f'cron job "{job}" is inactive on new', job
        ),
    ),
    "stale-webhook-url": _Spec(
        "stale-webhook-url",
        (),
        lambda name, _: StaleWebhookUrl(name, "extras", "the goal_invites webhook still calls old"),
    ),
    "stale-cron-url": _Spec(
        "stale-cron-url",
        (),
        lambda name, _: StaleCronUrl(
            name, "extras", "Vault's project_url on new is old's: the nightly job calls old"
        ),
    ),
    "stale-webhook-key": _Spec(
        "stale-webhook-key",
        (),
        lambda name, _: StaleWebhookKey(
            name, "extras", "the re-created webhook sends old's key in its headers"
        ),
    ),
    "stale-cron-key": _Spec(
        "stale-cron-key",
        (),
        lambda name, _: StaleCronKey(
            name,
            "extras",
            "Vault's service_role_key on new is old's key: the nightly job calls with a key new "
            "refuses",
        ),
    ),
    "vault-secret-missing": _Spec(
        "vault-secret-missing:<secret>",
        APP_VAULT_SECRETS,
        lambda name, secret: VaultSecretMissing(
            name, "extras", f"Vault secret {secret} is not on new", secret
        ),
    ),
    "vault-ciphertext-copied": _Spec(
        "vault-ciphertext-copied",
        (),
        lambda name, _: VaultCiphertextCopied(
            name, "extras", "Vault secrets on new do not decrypt (old's ciphertext)"
        ),
    ),
    "publication-table-dropped": _Spec(
        "publication-table-dropped",
        (),
        lambda name, _: PublicationTableDropped(
            name, "restore", "supabase_realtime on new publishes no table"
        ),
    ),
    "auth-provider-disabled": _Spec(
        "auth-provider-disabled:<provider>",
        APP_PROVIDERS,
        lambda name, provider: ProviderDisabled(
            name, "extras", f"auth provider {provider} is disabled on new", provider
        ),
    ),
    "smtp-not-set": _Spec(
        "smtp-not-set",
        (),
        lambda name, _: SmtpNotSet(name, "extras", "new sends auth emails without custom SMTP"),
    ),
    "hook-not-enabled": _Spec(
        "hook-not-enabled",
        (),
        lambda name, _: HookNotEnabled(
            name, "extras", "new's access tokens skip the app's hook: no user_role claim"
        ),
    ),
    "hook-grant-lost": _Spec(
        "hook-grant-lost",
        (),
        lambda name, _: HookGrantLost(
            name, "by-hand", "supabase_auth_admin may not run the access token hook on new"
        ),
    ),
    "redirect-url-missing": _Spec(
        "redirect-url-missing",
        (),
        lambda name, _: RedirectUrlMissing(
            name, "extras", f"{APP_DEEP_LINK} is not on new's redirect URL allow-list"
        ),
    ),
    "stale-build": _Spec(
        "stale-build",
        (),
        lambda name, _: StaleBuild(
            name, "app-deploy", "new's site serves the previous release's build"
        ),
    ),
    "release-not-built": _Spec(
        "release-not-built",
        (),
        lambda name, _: ReleaseNotBuilt(
            name,
            "app-deploy",
            "the release was committed but not built: the previous build's dist/ was deployed",
        ),
    ),
    "built-on-old-node": _Spec(
        "built-on-old-node",
        (),
        lambda name, _: BuiltOnOldNode(
            name, "app-deploy", "the release was built on Node 18; package.json asks for >=20"
        ),
    ),
    "dirty-repo": _Spec(
        "dirty-repo",
        (),
        lambda name, _: DirtyRepo(
            name, "app-deploy", "the app's repository has .env.production modified, uncommitted"
        ),
    ),
    "secret-key-revoked": _Spec(
        "secret-key-revoked",
        (),
        lambda name, _: SecretKeyRevoked(
            name, "by-hand", "new's secret key was revoked; the config still holds it"
        ),
    ),
    "old-publishable-key": _Spec(
        "old-publishable-key",
        (),
        lambda name, _: OldPublishableKey(
            name, "app-deploy", "the app deployed on new ships old's publishable key"
        ),
    ),
    "function-verifies-jwt": _Spec(
        "function-verifies-jwt",
        (),
        lambda name, _: FunctionVerifiesJwt(
            name,
            "functions-deploy",
            f"{APP_NOTIFY_FUNCTION} deployed with JWT verification on a project with only the"
            " new keys",
        ),
    ),
    "jwks-not-served": _Spec(
        "jwks-not-served",
        (),
        lambda name, _: JwksNotServed(
            name, "by-hand", "new's gateway does not serve /auth/v1/.well-known/jwks.json"
        ),
    ),
    "dns-ttl-high": _Spec(
        "dns-ttl-high",
        (),
        lambda name, _: DnsTtlHigh(
            name, "dns-low-ttl", "the public name's TTL was left at 3600 s before the switch"
        ),
    ),
    "dns-not-switched": _Spec(
        "dns-not-switched",
        (),
        lambda name, _: DnsNotSwitched(
            name, "dns-switch", "the public name still points at old after the switch"
        ),
    ),
    "dns-aaaa-left-on-old": _Spec(
        "dns-aaaa-left-on-old",
        (),
        lambda name, _: DnsAaaaLeftOnOld(
            name,
            "dns-switch",
            "the public name's A record was switched to new, its AAAA record left on old",
        ),
    ),
    "domain-not-added": _Spec(
        "domain-not-added",
        (),
        lambda name, _: DomainNotAdded(
            name, "app-deploy", "the public name was not added to new's site as a domain"
        ),
    ),
    "dns-switched-early": _Spec(
        "dns-switched-early",
        (),
        lambda name, _: DnsSwitchedEarly(
            name, "dns-switch", "the public name was switched to new before the gate ran"
        ),
    ),
}


def known_faults() -> list[str]:
    """Every name `--fault` accepts, parameters spelled out (e.g. skip-bucket-sync:chat-images)."""
    names = []
    for spec in REGISTRY.values():
        if spec.choices:
            names.extend(f"{spec.pattern.partition(':')[0]}:{choice}" for choice in spec.choices)
        else:
            names.append(spec.pattern)
    return names


def fault_named(name: str | None) -> Fault:
    """The fault object for `--fault NAME` (the clean `Fault()` for None); UnknownFault else."""
    if not name:
        return Fault()
    base, has_param, param = name.partition(":")
    spec = REGISTRY.get(base)
    if (
        spec is None
        or bool(spec.choices) != bool(has_param)
        or (spec.choices and param not in spec.choices)
    ):
        raise UnknownFault(f"unknown fault {name!r}; known faults: {', '.join(known_faults())}")
    return spec.make(name, param)
