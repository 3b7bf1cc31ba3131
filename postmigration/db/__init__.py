"""Direct PostgreSQL checks of a target: migrations, policies, extensions, schema and data parity."""

from __future__ import annotations

from .connection import DatabaseUnreachable, connect, describe
from .data import (
    SequencePosition,
    TableFingerprint,
    compared_tables,
    differing_keys,
    fingerprints,
    sequence_positions,
    sequences_behind,
    sequences_reusing_old_ids,
)
from .extensions import function_problems, missing_extensions
from .migrations import (
    Migration,
    MigrationsDirMissing,
    history_difference,
    migration_files,
    migration_problems,
    recorded_migrations,
)
from .policies import (
    Policy,
    grant_problems,
    load_snapshot,
    policies,
    policy_differences,
    save_snapshot,
    tables_without_rls,
)
from .schema import replication_role_settings, schema_differences, schema_facts

__all__ = [
    "DatabaseUnreachable",
    "Migration",
    "MigrationsDirMissing",
    "Policy",
    "SequencePosition",
    "TableFingerprint",
    "compared_tables",
    "connect",
    "describe",
    "differing_keys",
    "fingerprints",
    "function_problems",
    "grant_problems",
    "history_difference",
    "load_snapshot",
    "migration_files",
    "migration_problems",
    "missing_extensions",
    "policies",
    "policy_differences",
    "recorded_migrations",
    "replication_role_settings",
    "save_snapshot",
    "schema_differences",
    "schema_facts",
    "sequence_positions",
    "sequences_behind",
    "sequences_reusing_old_ids",
    "tables_without_rls",
]
