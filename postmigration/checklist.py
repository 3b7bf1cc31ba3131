"""The go/no-go checklist: every item the release manager signs off, taken from the playbook.

Each test in ``tests/`` proves exactly one item through ``@pytest.mark.item("<id>")``.
An item's ``depends_on`` names the foundations (see ``foundations.py``) without which its
tests cannot say anything; when one of them is down the item is reported ``blocked``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from postmigration.config import Target

__all__ = ["CHECKLIST", "ITEMS", "Item", "Severity", "item_by_id", "severity_of"]

Severity = Literal["blocker", "warning"]

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
        "rls-policies", "Confirm RLS policies exist in target", PRE_FLIGHT, "blocker", ("database",)
    ),
    Item("buckets", "Confirm buckets exist in target", PRE_FLIGHT, "blocker", ("reachable",)),
    Item(
        "extensions",
        "Ensure pgcrypto, uuid-ossp as required by migrations",
        PRE_FLIGHT,
        "blocker",
        ("database",),
    ),
    # Parity needs the old server to compare with; see severity_of.
    Item(
        "data-parity",
        "Database backup restored: data matches the old server",
        BACKUP_STORAGE,
        "blocker",
        ("database", "comparison"),
        why="without --compare-to it cannot be verified, which holds the gate unless waived",
    ),
    Item(
        "storage-parity",
        "Storage sync: bucket objects match the old server",
        BACKUP_STORAGE,
        "blocker",
        ("reachable", "comparison"),
        why="without --compare-to it cannot be verified, which holds the gate unless waived",
    ),
    Item(
        "edge-functions",
        "Edge functions deployed with secrets (goal-notifications smoke test)",
        DEPLOY,
        "blocker",
        ("reachable",),
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
        why="a blocker on real targets (a bad certificate locks every user out); "
        "a warning on the local stand-in, which serves plain http",
    ),
    # Switching DNS without a restorable dump makes a bad cutover unrecoverable: it holds the
    # gate like any blocker, and a team that accepts the risk waives it with a reason.
    Item(
        "rollback-dump",
        "Rollback: database restorable from the last dump",
        DEPLOY,
        "blocker",
        ("database",),
        why="a blocker unless waived in [waivers] with a reason",
    ),
)

ITEMS: dict[str, Item] = {item.id: item for item in CHECKLIST}


def item_by_id(item_id: str) -> Item:
    """Return the checklist item ``item_id``; raises KeyError naming the known ids."""
    try:
        return ITEMS[item_id]
    except KeyError:
        raise KeyError(f"unknown checklist item {item_id!r} (known: {', '.join(ITEMS)})") from None


def severity_of(item: Item, target: Target | None, waivers: Mapping[str, str]) -> Severity:
    """The item's severity for this run: a waived item, or TLS on the plain-http stand-in,
    is reported but does not hold the gate."""
    if item.id in waivers:
        return "warning"
    if item.id == "tls-dns" and target is not None and target.local:
        return "warning"
    return item.severity
