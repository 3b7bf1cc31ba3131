"""Fixtures and guards for the comparison (old) target: its API client, its buckets, the
schema reference (old's catalogue, or without old the committed snapshot), and the skip when a
check has nothing to compare with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
import pytest

from postmigration import db
from postmigration.app_profile import AppProfile
from postmigration.clients import supabase_client
from postmigration.config import Target
from postmigration.db import carried
from postmigration.db.role_settings import Settings
from postmigration.db.schema_snapshot import (
    SNAPSHOT_COMMAND,
    SchemaSnapshot,
    SnapshotUnreadable,
    load_schema_snapshot,
    stale_because,
)
from postmigration.errors import ConfigError

if TYPE_CHECKING:
    from supabase import Client

T = TypeVar("T")
Declared = TypeVar("Declared")


@pytest.fixture(scope="session")
def comparison_client(comparison_target: Target | None) -> Client | None:
    """A service-role client on the old target, or None without --compare-to."""
    if comparison_target is None:
        return None
    return supabase_client(comparison_target, comparison_target.server_key)


def old_buckets(
    comparison_client: Client | None, comparison_target: Target | None
) -> dict[str, Any] | None:
    """Old's buckets by id (None without --compare-to); an unreachable old server fails the test
    naming it, instead of a bare connection error."""
    if comparison_client is None or comparison_target is None:
        return None
    try:
        return {b.id: b for b in comparison_client.storage.list_buckets()}
    except Exception as exc:  # httpx and storage3 errors alike
        pytest.fail(
            f"cannot list the buckets of the old server {comparison_target.supabase_url} "
            f"to compare with: {type(exc).__name__}: {exc}",
            pytrace=False,
        )


def require_comparison(comparison_target: Target | None, what: str) -> Target:
    """The old target, or skip as not verified: `what` needs something to compare with."""
    if comparison_target is None:
        pytest.skip(
            f"not verified: {what} needs the old server to compare with (pass --compare-to=old)"
        )
    return comparison_target


def require_declared(
    declared: Callable[[Path, str, str | None], Declared | None],
    target: Target,
    app_profile: AppProfile,
    what: str,
) -> Declared:
    """What the app's supabase/config.toml (`app_profile.supabase_config`) declares for
    `target`'s project, read by `declared` (see supabase_config.py); skip as not verified when
    there is no such file or it declares nothing `what` compares; an unreadable one fails,
    saying why."""
    path = app_profile.supabase_config
    if path is None:
        pytest.skip(
            f"not verified: {what} needs the old server to compare with (pass --compare-to=old) "
            'or the app\'s supabase/config.toml ([app] supabase_config = "" names none)'
        )
    try:
        shown_as = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown_as = str(path)
    try:
        found = declared(path, shown_as, target.project_ref)
    except ConfigError as exc:
        pytest.fail(str(exc), pytrace=False)
    if found is None:
        pytest.skip(
            f"not verified: {what} needs the old server to compare with (pass --compare-to=old) "
            f"or the app's supabase/config.toml, missing at {shown_as} ([app] supabase_config)"
        )
    if not found:
        pytest.skip(f"not verified: {what}: {shown_as} declares none of what it compares")
    return found


def require_old_db(
    comparison_target: Target | None, comparison_db: psycopg.Connection | None, what: str
) -> tuple[Target, psycopg.Connection]:
    """The old target and its database, or skip as not verified (see require_comparison)."""
    old = require_comparison(comparison_target, what)
    assert comparison_db is not None  # opened whenever there is an old target
    return old, comparison_db


@dataclass(frozen=True)
class SchemaReference:
    """What new's schema and grants are compared with: old's catalogue (read inside old's
    database) or, without old, the committed snapshot's copy of the same definitions."""

    name: str  # how each finding names it: "old", or "the snapshot"
    title: str  # how a failure's headline names it: "old", "the committed snapshot <file>"
    described: str  # for the evidence: "compared with old", "compared with the committed ..."
    old_db: psycopg.Connection | None = None
    snapshot: SchemaSnapshot | None = None

    def schemas(self, target_db: psycopg.Connection) -> tuple[str, ...]:
        """The app's schemas on either side."""
        if self.snapshot is not None:
            return tuple(sorted({*self.snapshot.schemas, *db.app_schemas(target_db)}))
        assert self.old_db is not None
        return db.app_schemas(self.old_db, target_db)

    def object_facts(self, schemas: tuple[str, ...]) -> dict[str, dict[str, str]]:
        """Extensions, schemas, functions' settings, enums, sequences, auth and storage
        tables, publications (objects.py)."""
        if self.snapshot is not None:
            return self.snapshot.objects
        assert self.old_db is not None
        return db.object_facts(self.old_db, schemas)

    def extension_lines(self) -> dict[str, str]:
        """Each extension -> `in schema <schema>, version <version>`."""
        if self.snapshot is not None:
            return self.snapshot.objects.get("extension", {})
        assert self.old_db is not None
        return db.extension_lines(self.old_db)

    def custom_schema_facts(self, custom: tuple[str, ...]) -> dict[str, dict[str, str]]:
        """The custom schemas' tables, columns, constraints, indexes, views, functions and
        triggers (schema.py)."""
        if self.snapshot is not None:
            return self.snapshot.custom_schemas
        assert self.old_db is not None
        return db.schema_facts(self.old_db, custom) if custom else {}

    def platform_trigger_differences(
        self, target_db: psycopg.Connection, schemas: tuple[str, ...]
    ) -> tuple[list[str], str]:
        """Against the snapshot: new's triggers on the platform's tables (on auth.users, and on
        storage.objects or any table when they call an app function; see
        schema.platform_table_triggers) differing from the snapshot's, and what was compared,
        for the evidence. With old, ([], ""): schema-parity compares them with old's along
        with public's schema (and the custom schemas', for a trigger calling one of their
        functions). A snapshot written before it held them leaves the test not verified,
        asking for a refresh."""
        if self.snapshot is None:
            return [], ""
        kept = self.kept(
            self.snapshot.platform_triggers, "the app's triggers on the platform's tables"
        )
        have = db.platform_table_triggers(target_db, schemas)
        seen = ", ".join(sorted(have["trigger"])) or "none"
        return db.schema_differences(have, kept, old_name=self.name), seen

    def public_schema_differences(self, target_db: psycopg.Connection) -> tuple[list[str], str]:
        """Against the snapshot: how public's tables, columns, constraints, indexes, views,
        functions and triggers on new (and how each trigger and foreign key fires) differ from
        the snapshot's, and what was compared, for the evidence. With old, ([], ""):
        schema-parity's public test compares them with old's. A snapshot written before it
        held public's schema leaves the test not verified, asking for a refresh."""
        if self.snapshot is None:
            return [], ""
        kept = self.kept(self.snapshot.public_schema, "public's schema")
        have = db.schema_facts(target_db, ("public",))
        counted = {"table": "tables", "index": "indexes", "function": "functions"}
        compared = ", ".join(f"{len(kept[c])} {words}" for c, words in counted.items() if c in kept)
        return db.schema_differences(have, kept, old_name=self.name), compared or "nothing"

    def privileges(self, schemas: tuple[str, ...]) -> dict[str, str]:
        """Every grant and default privilege on the app's schemas (grants.py)."""
        if self.snapshot is not None:
            return self.snapshot.privileges
        assert self.old_db is not None
        return db.privileges(self.old_db, schemas)

    def app_roles(self) -> dict[str, dict[str, Any]]:
        """The app's own roles, their attributes and memberships (roles.py); a snapshot
        written before it held them asks for a refresh (skipped as not verified)."""
        if self.snapshot is not None:
            return self.kept(self.snapshot.roles, "the app's roles")
        assert self.old_db is not None
        return db.app_roles(self.old_db)

    def api_role_memberships(self) -> dict[str, dict[str, Any]]:
        """What anon, authenticated and service_role are members of, and whether they inherit
        (api_memberships.py); a snapshot written before it held them asks for a refresh."""
        if self.snapshot is not None:
            return self.kept(self.snapshot.api_roles, "the API roles' memberships")
        assert self.old_db is not None
        return db.api_role_memberships(self.old_db)

    def role_names(self) -> set[str]:
        """The names of the reference's roles that are not the platform's: old's (its
        superusers too), or the snapshot's app roles (a snapshot holds no superuser)."""
        if self.snapshot is not None:
            return set(self.kept(self.snapshot.roles, "the app's roles"))
        assert self.old_db is not None
        return set(db.app_roles(self.old_db)) | set(db.privileged_login_roles(self.old_db))

    def role_settings(self, target_db: psycopg.Connection) -> tuple[Settings, Settings]:
        """(new's, the reference's) settings of the API roles and the database
        (role_settings.py). The snapshot keeps the values of ``app.*`` settings sealed (set or
        not), so new's are sealed alike; a snapshot written before it held role settings asks
        for a refresh (skipped as not verified)."""
        found = db.role_settings(target_db)
        if self.snapshot is None:
            assert self.old_db is not None
            return found, db.role_settings(self.old_db)
        if self.snapshot.role_settings is None:
            pytest.skip(
                f"not verified: role settings: {self.snapshot.where} was written before it held "
                f"the roles' settings: refresh it with `{SNAPSHOT_COMMAND}`"
            )
        return db.sealed_role_settings(found), self.snapshot.role_settings

    def kept(self, part: T | None, what: str) -> T:
        """`part` of the snapshot (what it holds of `what`); a snapshot written before it held
        `what` asks for a refresh (skipped as not verified)."""
        assert self.snapshot is not None
        if part is None:
            pytest.skip(
                f"not verified: {self.snapshot.where} was written before it held {what}:"
                f" refresh it with `{SNAPSHOT_COMMAND}`"
            )
        return part

    def realtime_tables(self) -> set[str] | None:
        """The tables the realtime publication carries (None: no such publication)."""
        if self.snapshot is not None:
            tables = self.snapshot.realtime_tables
            return None if tables is None else set(tables)
        assert self.old_db is not None
        return carried.published_tables(self.old_db)


def schema_reference(
    target_db: psycopg.Connection,
    comparison_db: psycopg.Connection | None,
    comparison_target: Target | None,
    app_profile: AppProfile,
    what: str,
) -> SchemaReference:
    """Old when there is one; else the committed snapshot (the app profile's
    `schema_snapshot`), when it covers every migration recorded on the target. Without either,
    or with a snapshot older than the target's migrations, skip as not verified saying how to
    write or refresh it."""
    if comparison_target is not None:
        assert comparison_db is not None  # opened whenever there is an old target
        return SchemaReference("old", "old", "compared with old", old_db=comparison_db)
    path = app_profile.schema_snapshot
    if not path.is_file():
        pytest.skip(
            f"not verified: {what} needs old (--compare-to=old) or the committed schema snapshot, "
            f"missing at {path}: write it with `{SNAPSHOT_COMMAND}` from a database whose schema "
            "is right"
        )
    try:
        snapshot = load_schema_snapshot(path)
    except SnapshotUnreadable as exc:
        pytest.fail(str(exc), pytrace=False)
    stale = stale_because(snapshot, target_db)
    if stale:
        pytest.skip(f"not verified: {what}: {stale}")
    return SchemaReference("the snapshot", snapshot.where, snapshot.described, snapshot=snapshot)
