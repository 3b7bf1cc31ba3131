"""Database webhooks: old's are on new, enabled, and call new (the URL is a literal); without
old (the nightly run on staging, or no --compare-to), those the committed schema snapshot keeps."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.app_profile import AppProfile
from postmigration.comparison import require_old_db, schema_reference
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.links import shown
from postmigration.origins import old_keys, old_origins, own_origins
from postmigration.parity import origin_moves

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("webhooks")]


def test_every_old_or_kept_webhook_calls_new(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Each webhook (trigger calling supabase_functions.http_request) old has is on new and
    enabled, its URL is old's with old's origin moved to new's, and no webhook on new calls an
    old origin or sends one of old's API keys in its headers (matched inside the database).
    Without old, each webhook the committed snapshot keeps is on new, enabled, calling the same
    path (origins and query values aside) the same way; no webhook calls an old origin the
    target names (old_origins), nor a project's API (a path such as /functions/v1/) on
    another origin than new's. Checked from the trigger definitions: no row is inserted to fire
    them."""
    new = carried.webhooks(target_db)
    if comparison_target is None:
        reference = schema_reference(target_db, None, None, app_profile, "webhooks")
        assert reference.snapshot is not None  # no old: the snapshot, or skipped
        kept = reference.kept(reference.snapshot.webhooks, "the webhooks")
        problems = carried.webhook_snapshot_problems(
            new, kept, reference.name, own_origins(target), old_origins(target, None)
        )
        where = reference.title
        compared = (
            f"{reference.described}; where a webhook calls is judged only for a project's API"
            " path, and the target's old_origins"
        )
    else:
        old_target, old_db = require_old_db(comparison_target, comparison_db, "webhooks")
        kept = old = carried.webhooks(old_db)
        problems = carried.webhook_problems(
            new,
            old,
            origin_moves(target, old_target),
            old_origins(target, old_target),
            carried.webhooks_holding(target_db, old_keys(target, old_target)),
        )
        where, compared = "old", "compared with old"
    if not kept and not new:
        evidence.text("webhooks", "not used by this project (no webhook expected or on new)")
        return
    evidence.text(
        f"webhooks on new (query values left out; {compared})",
        "\n".join(f"{k}: {shown(h.url)}" for k, h in sorted(new.items())),
    )
    fail_on(problems, f"webhooks are not as on {where}")
