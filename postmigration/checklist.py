"""The go/no-go checklist: every item the release manager signs off, taken from the playbook.

Each test in ``tests/`` proves exactly one item through ``@pytest.mark.item("<id>")``.
An item's ``depends_on`` names the foundations (see ``foundations.py``) without which its
tests cannot say anything; when one of them is down the item is reported ``blocked``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CHECKLIST",
    "DEFAULT_PHASE",
    "ITEMS",
    "PHASES",
    "PROPERTY",
    "Item",
    "Phase",
    "Severity",
    "item_by_id",
    "item_in",
    "phase_waivers",
    "severity_of",
]

Severity = Literal["blocker", "warning"]
# The three moments the suite is used at (README: "When to run which phase").
Phase = Literal["pre-cutover", "post-cutover", "nightly"]
PHASES: tuple[Phase, ...] = ("pre-cutover", "post-cutover", "nightly")
DEFAULT_PHASE: Phase = "post-cutover"
# At night, against staging, there is no old server: every item standing on the comparison
# is waived by the phase, saying so (reported, never passed).
NIGHTLY_WAIVER = "nightly: no old server to compare with"

POST_MIGRATION = "Post-migration validation"
PRE_FLIGHT = "Pre-flight"
BACKUP_STORAGE = "Backup/restore and storage sync"
DEPLOY = "Deploy"


@dataclass(frozen=True)
class Item:
    """One line of the checklist: what must be true on the new server, and how much it matters."""

    id: str
    title: str
    section: str
    severity: Severity
    depends_on: tuple[str, ...]
    why: str = ""
    # The phases in which the item means something; in another it is "not applicable in this
    # phase" (never passed, never holding the gate).
    phases: tuple[Phase, ...] = PHASES
    # Other items whose outcome in the same run is part of this one's, with what it proves
    # (e.g. rollback-ready stands on rollback-dump's restore): the verdict folds it in, so
    # nothing is checked twice.
    needs: tuple[tuple[str, str], ...] = ()
    # Without old, compared with the committed schema snapshot instead: at night such an item
    # is checked, not waived, when the snapshot exists.
    snapshot: bool = False
    # Without old, compared with what the app declares instead ([app] function_secrets, the
    # Supabase CLI's config.toml): at night such an item is checked, not waived, when the app
    # declares it (see session.py's declared items).
    declared: bool = False

    def out_of_phase(self, phase: str) -> str | None:
        """Why the item is not applicable in ``phase``; None when it applies there."""
        if phase in self.phases:
            return None
        return f"not applicable in this phase ({phase}); applies in {', '.join(self.phases)}"


_API = ("reachable", "auth")

CHECKLIST: tuple[Item, ...] = (
    # The playbook's own acceptance list: each line is something users do every day.
    Item("login", "Login works", POST_MIGRATION, "blocker", _API),
    Item(
        "upload",
        "Upload avatar/thumbnail works (public URL loads)",
        POST_MIGRATION,
        "blocker",
        _API,
    ),
    Item("admin-course", "Create course, module, lesson (admin)", POST_MIGRATION, "blocker", _API),
    Item(
        "goal-invite",
        "Create goal with invite; invitee receives email/WhatsApp and sees in-app card",
        POST_MIGRATION,
        "blocker",
        _API,
    ),
    Item("hero-video", "Play hero video and load playlist", POST_MIGRATION, "blocker", _API),
    Item("daily-mission", "Daily mission answers save", POST_MIGRATION, "blocker", _API),
    Item(
        "weight-report",
        "Weight measurement insert & report function",
        POST_MIGRATION,
        "blocker",
        _API,
    ),
    # Pre-flight: a schema, policy or bucket missing on the target breaks the app silently.
    Item(
        "migrations",
        "Confirm DB migrations list and order",
        PRE_FLIGHT,
        "blocker",
        ("database",),
    ),
    Item(
        "rls-policies",
        "Confirm RLS policies exist in target",
        PRE_FLIGHT,
        "blocker",
        ("database", "auth"),
    ),
    Item("buckets", "Confirm buckets exist in target", PRE_FLIGHT, "blocker", ("reachable",)),
    Item(
        "extensions",
        "Ensure pgcrypto, uuid-ossp as required by migrations",
        PRE_FLIGHT,
        "blocker",
        ("database",),
    ),
    # The schema is the migrations' and the restore's together: without old, the committed
    # schema snapshot stands in, so at night staging's schema is judged and holds the gate.
    Item(
        "schema-parity",
        "Database schema restored: the app's tables, views, functions, triggers, extensions "
        "and publications match the old server",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it is compared with the committed schema snapshot; without "
        "either it cannot be verified, which holds the gate unless waived",
        snapshot=True,
    ),
    # Rows need the old server to compare with; see severity_of.
    Item(
        "data-parity",
        "Database backup restored: data matches the old server",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it cannot be verified, which holds the gate unless waived",
    ),
    # What a restore must leave behind on new alone, old or not: checked at night too.
    Item(
        "restore-finished",
        "Restore finished: no sequence behind its rows, no setting switching triggers off,"
        " foreign keys enforced, materialized views filled, no index left invalid",
        BACKUP_STORAGE,
        "blocker",
        ("database",),
    ),
    # The restore is taken --no-privileges: grants travel by a step of their own, and a lost
    # revoke opens a table the old server kept shut.
    Item(
        "grants",
        "Grants on the app's schemas, tables, columns, sequences and functions, default "
        "privileges, and the app's own roles with their memberships, match the old server",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it is compared with the committed schema snapshot; without "
        "either it cannot be verified, which holds the gate unless waived",
        snapshot=True,
    ),
    # Roles belong to the server: no dump of the database carries their settings, and a
    # migration that set one is recorded as applied on new and never runs there.
    Item(
        "role-settings",
        "Role settings: the API's roles and the database keep old's settings "
        "(statement_timeout, search_path, pgrst.*)",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it is compared with the committed schema snapshot; without "
        "either it cannot be verified, which holds the gate unless waived",
        snapshot=True,
    ),
    Item(
        "old-references",
        "No function, trigger, column default, view or role/database setting names the old project",
        BACKUP_STORAGE,
        "blocker",
        ("database",),
        why="needs the old origins: from --compare-to or the target's old_origins",
    ),
    Item(
        "storage-parity",
        "Storage sync: bucket objects match the old server",
        BACKUP_STORAGE,
        "blocker",
        ("reachable", "comparison"),
        why="without --compare-to it cannot be verified, which holds the gate unless waived",
    ),
    # What the project carries besides rows (jobs, secrets, webhooks, realtime, auth config).
    Item(
        "scheduled-jobs",
        "Scheduled jobs (pg_cron) re-created, active, calling the new project",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it is compared with the committed schema snapshot; without "
        "either it cannot be verified, which holds the gate unless waived",
        snapshot=True,
    ),
    Item(
        "vault",
        "Vault secrets copied and decrypting on the new project",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it is compared with the committed schema snapshot; without "
        "either it cannot be verified, which holds the gate unless waived",
        snapshot=True,
    ),
    Item(
        "webhooks",
        "Database webhooks present, enabled and calling the new project",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it is compared with the committed schema snapshot; without "
        "either it cannot be verified, which holds the gate unless waived",
        snapshot=True,
    ),
    Item(
        "realtime",
        "Realtime publication re-enabled for the same tables",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it is compared with the committed schema snapshot; without "
        "either it cannot be verified, which holds the gate unless waived",
        snapshot=True,
    ),
    Item(
        "auth-settings",
        "Auth settings as on old, or as the app's supabase/config.toml declares (providers, "
        "sign-up, autoconfirm, SMS)",
        BACKUP_STORAGE,
        "blocker",
        ("reachable", "auth", "comparison"),
        why="without --compare-to it is compared with the app's supabase/config.toml ([app] "
        "supabase_config); without either it cannot be verified, which holds the gate unless "
        "waived",
        declared=True,
    ),
    # The Management API's view: what the public settings do not show.
    Item(
        "auth-config",
        "Auth configuration as on old, or as the app's supabase/config.toml declares: custom "
        "SMTP, email templates, auth hooks",
        BACKUP_STORAGE,
        "blocker",
        ("comparison",),
        why="without a Management API token it cannot be verified, nor without --compare-to "
        "when the app's supabase/config.toml declares none of it, which holds the gate unless "
        "waived",
        declared=True,
    ),
    # The allow-list is new's own: the app's callbacks must be on it, old or not.
    Item(
        "auth-redirects",
        "Sign-in links return to the app's callbacks (redirect URL allow-list)",
        BACKUP_STORAGE,
        "blocker",
        _API,
    ),
    Item(
        "edge-functions",
        "Edge functions deployed and running (goal-notifications smoke test)",
        DEPLOY,
        "blocker",
        ("reachable",),
    ),
    # The Management API's listing, old's and the app's declared names against new's: a secret
    # only some calls read.
    Item(
        "function-secrets",
        "Edge function secrets: every secret old's functions have, and every one the app "
        "declares, is set on new",
        DEPLOY,
        "blocker",
        ("comparison",),
        why="without a Management API token it cannot be verified, nor without --compare-to "
        "when the app declares no secrets, which holds the gate unless waived",
        declared=True,
    ),
    Item(
        "api-keys",
        "API keys accepted and user tokens verify against the project's signing keys (JWKS)",
        DEPLOY,
        "blocker",
        _API,
    ),
    # The site is its own origin: checking it needs nothing from the Supabase side.
    Item("app-deploy", "App deployed and served from the new origin", DEPLOY, "blocker", ()),
    Item(
        "tls-dns",
        "DNS/SSL cutover: new origin answers over valid TLS",
        DEPLOY,
        "blocker",
        (),
        why="a bad certificate locks every user out; not applicable only when the target's "
        "host is this machine (the plain-http local stand-in)",
    ),
    # The switch itself: before it the public name must still reach old with a TTL short enough
    # for the switch (and a rollback) to reach users quickly; after it, it must reach new.
    Item(
        "dns-cutover",
        "DNS cutover: low TTL before the switch; public name on the new origin and healthy after",
        DEPLOY,
        "blocker",
        (),
        why="needs the target's public_name (and dns_server, the name server to ask); applies "
        "before and after the DNS switch",
        phases=("pre-cutover", "post-cutover"),
    ),
    # Switching DNS without a restorable dump makes a bad cutover unrecoverable: it holds the
    # gate like any blocker, and a team that accepts the risk waives it with a reason.
    Item(
        "rollback-dump",
        "Rollback: database restorable from the last dump",
        DEPLOY,
        "blocker",
        ("database",),
        why="a blocker unless waived in [waivers] with a reason; applies before and after the "
        "DNS switch (the cutover's rollback)",
        phases=("pre-cutover", "post-cutover"),
    ),
    # Old must be able to take the users back while a rollback is still an option.
    Item(
        "rollback-ready",
        "Rollback ready: old answers and takes writes, its storage still holds its objects, "
        "and the last dump restores",
        DEPLOY,
        "blocker",
        (),
        why="needs --compare-to=old; the dump's restore is rollback-dump's outcome in the same "
        "run (restored once); applies before and right after the DNS switch",
        phases=("pre-cutover", "post-cutover"),
        needs=(("rollback-dump", "the last dump restores"),),
    ),
    # Approvals a team needs before it switches DNS; after the switch they are history.
    Item(
        "sign-offs",
        "Sign-offs given (maintenance window approved, comms sent)",
        DEPLOY,
        "blocker",
        (),
        why="the approvals declared in [sign_offs], each given with --sign-off ID=NAME; "
        "applies before the DNS switch only",
        phases=("pre-cutover",),
    ),
    # "Repo clean, CI green": what is released is what was reviewed and tested.
    Item(
        "repo-ready",
        "Repo clean, CI green (work tree clean, HEAD pushed, HEAD's checks green)",
        PRE_FLIGHT,
        "blocker",
        (),
        why="needs the app's repository (app_repo); the CI part needs GITHUB_TOKEN, without "
        "it that part is not verified; applies before the DNS switch only",
        phases=("pre-cutover",),
    ),
    # A deploy that silently kept the previous build serves yesterday's app against today's
    # project; the site is its own origin, so nothing from the Supabase side is needed.
    Item(
        "app-build",
        "The site serves the expected build (no stale deploy), built on a Node the app allows",
        DEPLOY,
        "blocker",
        (),
        why="needs the expected build: app_build, or app_repo with its built manifest",
    ),
)

ITEMS: dict[str, Item] = {item.id: item for item in CHECKLIST}
# The user property that carries a test's item into its reports (and junit.xml).
PROPERTY = "checklist_item"


def item_in(user_properties: Iterable[tuple[str, object]]) -> str | None:
    """The checklist item a test report's ``user_properties`` name, if any."""
    for entry in user_properties:
        if entry[0] == PROPERTY:
            return str(entry[1])
    return None


def item_by_id(item_id: str) -> Item:
    """Return the checklist item ``item_id``; raises KeyError naming the known ids."""
    try:
        return ITEMS[item_id]
    except KeyError:
        raise KeyError(f"unknown checklist item {item_id!r} (known: {', '.join(ITEMS)})") from None


def phase_waivers(
    phase: Phase,
    schema_snapshot: bool = False,
    compared: bool = False,
    declared: Collection[str] = (),
) -> dict[str, str]:
    """item id -> reason, for the items the phase itself waives: at night without an old
    server (not `compared`), every item that stands on the comparison with old, but those the
    committed schema snapshot stands in for when `schema_snapshot` (it exists), and the
    `declared` ones the app's declarations stand in for (function secrets it lists, the auth
    settings and configuration its supabase/config.toml sets).
    Given an old server (--compare-to), nothing is waived: the comparisons run and hold the
    gate."""
    if phase != "nightly" or compared:
        return {}
    return {
        item.id: NIGHTLY_WAIVER
        for item in CHECKLIST
        if "comparison" in item.depends_on
        and not (item.snapshot and schema_snapshot)
        and not (item.declared and item.id in declared)
    }


def severity_of(item: Item, waivers: Mapping[str, str]) -> Severity:
    """The item's severity for this run: a waived item is reported but does not hold the gate."""
    if item.id in waivers:
        return "warning"
    return item.severity
