"""Vault: old's secrets exist on new and decrypt there (values are never read out); without old
(the nightly run on staging, or no --compare-to), the secrets the committed snapshot names."""

from __future__ import annotations

import psycopg
import pytest

from postmigration.app_profile import AppProfile
from postmigration.comparison import require_old_db, schema_reference
from postmigration.config import Target
from postmigration.db import carried
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.origins import old_keys, old_origins

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("vault")]


def test_every_old_or_kept_secret_decrypts_on_new(
    target: Target,
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Every secret name old has (without old, every name the committed snapshot keeps: it
    keeps no value) is on new and decrypts with new's key; no decrypted value on new names an
    old origin (old's, or those the target names in old_origins) or holds one of old's API
    keys (with old; matched inside the database)."""
    new = carried.vault_secrets(target_db)
    old_target: Target | None = None
    if comparison_target is None:
        reference = schema_reference(target_db, None, None, app_profile, "Vault")
        assert reference.snapshot is not None  # no old: the snapshot, or skipped
        names = reference.kept(reference.snapshot.vault_secrets, "the Vault secrets' names")
        expected, where = dict.fromkeys(names, True), reference.name
        headline = f"Vault secrets {reference.title} names are not usable on new"
    else:
        old_target, old_db = require_old_db(comparison_target, comparison_db, "Vault")
        expected, where = carried.vault_secrets(old_db) or {}, "old"
        headline = "Vault secrets are not usable on new"
    if not expected and not new:
        evidence.text("Vault", "not used by this project (no named secret expected or on new)")
        return
    evidence.text(
        "Vault secrets on new (name: decrypts?)",
        "\n".join(f"{name}: {'yes' if ok else 'no'}" for name, ok in sorted((new or {}).items())),
    )
    fail_on(
        carried.vault_problems(
            new,
            expected,
            carried.vault_naming_old(target_db, old_origins(target, old_target)),
            carried.vault_holding(target_db, old_keys(target, old_target)),
            where=where,
        ),
        headline,
    )
