"""Database webhooks: old's are on new, enabled, and call new (the URL is a literal)."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.comparison import require_old_db
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.links import shown
from postmigration.origins import old_keys, old_origins
from postmigration.parity import origin_moves

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("webhooks")]


def test_every_old_webhook_calls_new(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Each webhook (trigger calling supabase_functions.http_request) old has is on new and
    enabled, its URL is old's with old's origin moved to new's, and no webhook on new calls an
    old origin or sends one of old's API keys in its headers (matched inside the database).
    Checked from the trigger definitions: no row is inserted to fire them."""
    old_target, old_db = require_old_db(comparison_target, comparison_db, "webhooks")
    old, new = carried.webhooks(old_db), carried.webhooks(target_db)
    if not old and not new:
        evidence.text("webhooks", "not used by this project (no webhook on old or new)")
        return
    evidence.text(
        "webhooks on new (query values left out)",
        "\n".join(f"{k}: {shown(h.url)}" for k, h in sorted(new.items())),
    )
    holding_old_keys = carried.webhooks_holding(target_db, old_keys(target, old_target))
    fail_on(
        carried.webhook_problems(
            new,
            old,
            origin_moves(target, old_target),
            old_origins(target, old_target),
            holding_old_keys,
        ),
        "webhooks are not as on old",
    )
