"""Vault: old's secrets exist on new and decrypt there (values are never read out)."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.comparison import require_old_db
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.origins import old_keys, old_origins

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("vault")]


def test_every_old_secret_decrypts_on_new(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Every secret name old has is on new and decrypts with new's key; no decrypted value on
    new names an old origin or holds one of old's API keys (matched inside the database)."""
    old_target, old_db = require_old_db(comparison_target, comparison_db, "Vault")
    old = carried.vault_secrets(old_db) or {}
    new = carried.vault_secrets(target_db)
    if not old and not new:
        evidence.text("Vault", "not used by this project (no named secret on old or new)")
        return
    naming_old = carried.vault_naming_old(target_db, old_origins(target, old_target))
    holding_old_keys = carried.vault_holding(target_db, old_keys(target, old_target))
    evidence.text(
        "Vault secrets on new (name: decrypts?)",
        "\n".join(f"{name}: {'yes' if ok else 'no'}" for name, ok in sorted((new or {}).items())),
    )
    fail_on(
        carried.vault_problems(new, old, naming_old, holding_old_keys),
        "Vault secrets are not usable on new",
    )
