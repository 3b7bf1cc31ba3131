"""Backup/restore: the grants old gives are the grants new gives (the dump carries none), to
the app's own roles too, which a roles dump of their own carries; without old, the grants and
roles of the committed schema snapshot."""

from __future__ import annotations

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.comparison import schema_reference
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on

pytestmark = [pytest.mark.postmigration, pytest.mark.parity, pytest.mark.item("grants")]


def test_grants_equal_old_or_snapshot(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Every role's privileges on the app's schemas and on their tables, views, columns,
    sequences and functions, and the default privileges there, are old's (without old, the
    committed snapshot's): none lost, none regained that old had revoked. A privilege only one
    side's server can have (MAINTAIN, PostgreSQL 17's) is not compared, as the evidence says."""
    reference = schema_reference(target_db, comparison_db, comparison_target, app_profile, "grants")
    schemas = reference.schemas(target_db)
    expected = reference.privileges(schemas)
    evidence.text(
        "compared",
        f"{reference.described}: {len(expected)} grants in schemas {', '.join(schemas)}",
    )
    found = db.privileges(target_db, schemas)
    left_out = db.privileges_not_compared(found, expected, old_name=reference.name)
    if left_out:
        evidence.text("not compared", "\n".join(left_out.values()))
    fail_on(
        db.privilege_differences(found, expected, old_name=reference.name),
        f"grants on new differ from {reference.title}",
    )


def test_app_roles_equal_old_or_snapshot(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Each role the app made itself (not the platform's, not a superuser) on old (without old,
    in the committed snapshot) is on new with its attributes (login, inherit, bypassrls,
    createrole, createdb, connection limit) and old's memberships: a member of the same roles,
    granted to the same roles (authenticator above all: the API switches to a role a token
    claims only through it). A role or membership only new has is not judged here (a
    privileged login role is: see the next test)."""
    reference = schema_reference(target_db, comparison_db, comparison_target, app_profile, "roles")
    expected, found = reference.app_roles(), db.app_roles(target_db)
    evidence.text(
        f"the app's roles ({reference.described})",
        "\n".join(
            f"{name}: {role['attributes']}; granted to {', '.join(role['granted to']) or 'none'}"
            for name, role in sorted(found.items())
        )
        or "none on new",
    )
    fail_on(
        db.role_differences(found, expected, old_name=reference.name),
        f"the app's roles on new differ from {reference.title}",
    )


def test_api_roles_are_members_of_what_they_are_on_old_or_snapshot(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """anon, authenticated and service_role are members of the roles they are on old (without
    old, in the committed snapshot), no more, and inherit those roles' rights only where old's
    do: a role the API's role is made a member of on new alone lends its rights to every
    request made as it (a membership in one of the app's own roles that new lost is the
    previous test's to name). authenticator, the API's login, may switch to no role old's may
    not, and inherits only where old's does. A role the reference does not hold (a snapshot
    written before it kept authenticator) is named in the evidence as not compared."""
    reference = schema_reference(
        target_db, comparison_db, comparison_target, app_profile, "the API roles' memberships"
    )
    expected, found = reference.api_role_memberships(), db.api_role_memberships(target_db)
    evidence.text(
        f"the API's roles on new ({reference.described})",
        "\n".join(
            f"{name}: {'inherit' if role['inherit'] else 'noinherit'}; member of"
            f" {', '.join(role['member of']) or 'no role'}"
            + ("" if name in expected else f" (not compared: {reference.name} does not hold it)")
            for name, role in sorted(found.items())
        ),
    )
    fail_on(
        db.api_membership_differences(found, expected, old_name=reference.name),
        f"the API roles' memberships on new differ from {reference.title}",
    )


def test_no_privileged_login_role_is_only_on_new(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """No role that can log in and is a superuser, bypasses row level security or may create
    roles (not the platform's) is on new without being on old (without old, among the
    committed snapshot's roles, which hold no superuser): one made for the move is a
    credential past every policy."""
    reference = schema_reference(target_db, comparison_db, comparison_target, app_profile, "roles")
    expected, found = reference.role_names(), db.privileged_login_roles(target_db)
    evidence.text(
        f"privileged login roles on new ({reference.described})",
        "\n".join(f"{name}: {attributes}" for name, attributes in sorted(found.items()))
        or "none but the platform's",
    )
    fail_on(
        db.privileged_roles_only_on_new(found, expected, old_name=reference.name),
        f"new has a privileged login role {reference.title} lacks",
    )
