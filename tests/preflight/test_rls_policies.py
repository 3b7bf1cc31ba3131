"""Pre-flight: "Confirm RLS policies ... exist in target"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.refusals import Refused, attempt

if TYPE_CHECKING:
    from supabase import Client

# PostgreSQL's insufficient_privilege: the role holds no grant on the table at all.
PERMISSION_DENIED = "42501"

pytestmark = [pytest.mark.postmigration, pytest.mark.preflight, pytest.mark.item("rls-policies")]


def test_api_roles_are_as_supabase_makes_them(
    target_db: psycopg.Connection,
) -> None:
    """anon and authenticated are bound by row level security (neither BYPASSRLS nor a
    superuser) and service_role bypasses it, and authenticator may switch to each, as Supabase
    makes them: checked on new alone."""
    fail_on(
        db.api_role_problems(target_db),
        "the API's roles on new are not as Supabase makes them",
    )


def test_rls_is_enabled_on_every_exposed_table(target_db: psycopg.Connection) -> None:
    """No table of the exposed schema is readable past its policies."""
    fail_on(
        (f"row level security is off on {t}" for t in db.tables_without_rls(target_db)),
        "tables are exposed without row level security",
    )


def test_policies_and_row_security_equal_old_or_snapshot(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """The policies (table, name, command, roles, USING, WITH CHECK) equal old's, in storage,
    realtime (Realtime Authorization's policies on realtime.messages) and every app schema
    (public and custom ones), row level security is on wherever old has it on, and forced on
    the table's owner (FORCE) where old forces it and nowhere else; without old, the same
    against the committed policies snapshot (one written before it held the row level security
    covers public's and storage's policies only, and the evidence says so)."""
    if comparison_db is not None:
        schemas = db.policy_schemas(comparison_db, target_db)
        expected, where = db.policies(comparison_db, schemas), "old"
        problems = db.rls_differences(target_db, comparison_db, schemas)
    else:
        snapshot = _policies_snapshot(app_profile.policies_snapshot)
        where = f"the snapshot {app_profile.policies_snapshot.name}"
        schemas, expected, problems = snapshot.schemas, snapshot.policies, []
        if snapshot.row_security is None:
            evidence.text("not compared", str(snapshot.left_out))
        else:
            # A schema only new has: its policies are not the snapshot's, named as such.
            schemas = tuple(sorted({*schemas, *db.policy_schemas(target_db)}))
            problems = db.row_security_differences(
                db.row_level_security(target_db, schemas), snapshot.row_security, where=where
            )
        evidence.text(f"compared with {where}", ", ".join(schemas))
    differing = db.policy_differences(db.policies(target_db, schemas), expected, where=where)
    what = " and ".join(
        name for name, found in (("policies", differing), ("row level security", problems)) if found
    )
    verb = "differ" if differing else "differs"
    fail_on(differing + problems, f"{what} {verb} from {where}")


def _policies_snapshot(path: Path) -> db.PoliciesSnapshot:
    if not path.is_file():
        pytest.fail(
            f"no comparison target and no policies snapshot at {path}: pass --compare-to=old "
            "or write one with `python -m postmigration.db.snapshot --db-url URL --out FILE`",
            pytrace=False,
        )
    try:
        return db.load_snapshot(path)
    except db.SnapshotUnreadable as exc:
        pytest.fail(str(exc), pytrace=False)


def test_service_role_keeps_its_grants(
    target_db: psycopg.Connection, app_profile: AppProfile
) -> None:
    """service_role may SELECT, INSERT, UPDATE and DELETE every app table, as Supabase grants
    it (the other roles' grants are the app's choice: the grants item compares them with old)."""
    fail_on(
        db.grant_problems(target_db, app_profile.tables), "grants to the service role are missing"
    )


def test_anon_reads_nothing_from_private_tables(
    anon_client: Client, service_client: Client, app_profile: AppProfile
) -> None:
    """A visitor who is not signed in gets no row of a private table (which does have rows);
    a table the project keeps from anon altogether (permission denied) counts as unread. A read
    refused otherwise (a policy's helper failing, say) or a table without rows proves nothing,
    and fails as unproven."""
    readable: list[str] = []
    unproven: list[str] = []
    for table in app_profile.private_tables:
        has_rows = service_client.table(table).select("*", count="exact").limit(1).execute()
        seen = attempt(anon_client.table(table).select("*").limit(5).execute)
        if isinstance(seen, Refused):
            if seen.code != PERMISSION_DENIED:
                unproven.append(
                    f"anon's read of {table} failed, but not as a grant refuses it: {seen}"
                )
            continue
        if seen.data:
            readable.append(f"anon can read {len(seen.data)}+ rows of {table}")
        elif not has_rows.count:
            unproven.append(
                f"{table} has no rows, so the probe proves nothing (seed it or drop it from private_tables)"
            )
    headline = (
        "private data is readable without signing in"
        if readable
        else "whether anon can read private data is not proven"
    )
    fail_on([*readable, *unproven], headline)


def test_user_cannot_read_other_users_rows(
    signed_in: Callable[[str], Client], service_client: Client, app_profile: AppProfile
) -> None:
    """Signed in as `user`, rows owned by anyone else are invisible (the service role sees them)."""
    user = signed_in("user")
    me = user.auth.get_user().user.id
    problems, probed = [], 0
    for table, owner_column in app_profile.owned_tables.items():
        others = (
            service_client.table(table)
            .select(owner_column)
            .neq(owner_column, me)
            .limit(1)
            .execute()
        )
        if not others.data:
            continue
        probed += 1
        leaked = user.table(table).select(owner_column).neq(owner_column, me).limit(5).execute()
        if leaked.data:
            problems.append(
                f"user {me} can read {len(leaked.data)}+ rows of other users in {table}"
            )
    if not probed:
        pytest.fail(
            "no owned table holds rows of other users to probe: the check proves nothing",
            pytrace=False,
        )
    fail_on(problems, "one user can read another user's rows")
