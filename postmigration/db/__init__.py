"""Direct PostgreSQL checks of a target: migrations, policies, extensions, schema and data parity,
grants, and stale references to the old project."""

from __future__ import annotations

from .api_memberships import api_membership_differences, api_role_memberships
from .api_roles import api_role_problems
from .connection import DatabaseUnreachable, connect, describe
from .data import (
    SequencePosition,
    TableFingerprint,
    differing_keys,
    fingerprints,
    sequence_positions,
    sequences_behind,
    sequences_reusing_old_ids,
)
from .extensions import function_problems, missing_extensions
from .grants import privilege_differences, privileges, privileges_not_compared
from .migrations import (
    Migration,
    MigrationsDirMissing,
    history_difference,
    migration_files,
    migration_problems,
    recorded_migrations,
)
from .objects import (
    extension_lines,
    extension_version_differences,
    object_differences,
    object_facts,
)
from .policies import (
    Policy,
    grant_problems,
    policies,
    policy_differences,
    rls_differences,
    row_level_security,
    row_security_differences,
    tables_without_rls,
)
from .policies_snapshot import (
    PoliciesSnapshot,
    load_snapshot,
    policy_schemas,
    save_snapshot,
    take_policies_snapshot,
)
from .references import old_project_needles, stale_references
from .role_settings import API_ROLES, role_setting_differences, role_settings, sealed_role_settings
from .roles import (
    app_roles,
    privileged_login_roles,
    privileged_roles_only_on_new,
    role_differences,
)
from .schema import (
    digested,
    platform_table_triggers,
    replication_role_settings,
    schema_differences,
    schema_facts,
    without_platform_triggers,
)
from .scope import app_schemas
from .tables import OPTIONAL_AUTH_TABLES, compared_tables, users_without_identity
from .unfinished import (
    foreign_keys_not_enforced,
    invalid_indexes,
    materialized_views_without_data,
)
from .unreadable import SnapshotUnreadable

__all__ = [
    "api_membership_differences",
    "api_role_memberships",
    "API_ROLES",
    "OPTIONAL_AUTH_TABLES",
    "api_role_problems",
    "app_roles",
    "privileged_login_roles",
    "privileged_roles_only_on_new",
    "app_schemas",
    "extension_lines",
    "extension_version_differences",
    "object_differences",
    "object_facts",
    "old_project_needles",
    "privilege_differences",
    "privileges_not_compared",
    "privileges",
    "role_setting_differences",
    "role_settings",
    "sealed_role_settings",
    "stale_references",
    "users_without_identity",
    "DatabaseUnreachable",
    "Migration",
    "MigrationsDirMissing",
    "Policy",
    "SequencePosition",
    "TableFingerprint",
    "compared_tables",
    "digested",
    "connect",
    "describe",
    "differing_keys",
    "fingerprints",
    "function_problems",
    "grant_problems",
    "history_difference",
    "foreign_keys_not_enforced",
    "invalid_indexes",
    "PoliciesSnapshot",
    "load_snapshot",
    "policy_schemas",
    "take_policies_snapshot",
    "materialized_views_without_data",
    "migration_files",
    "migration_problems",
    "missing_extensions",
    "platform_table_triggers",
    "policies",
    "rls_differences",
    "row_level_security",
    "SnapshotUnreadable",
    "role_differences",
    "row_security_differences",
    "policy_differences",
    "recorded_migrations",
    "replication_role_settings",
    "save_snapshot",
    "schema_differences",
    "schema_facts",
    "without_platform_triggers",
    "sequence_positions",
    "sequences_behind",
    "sequences_reusing_old_ids",
    "tables_without_rls",
]
