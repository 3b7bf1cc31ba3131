"""The committed schema snapshot: what the grants and schema parity compare when there is no old.

Taken from a database whose schema is right (a clean staging, or the reference stack) by
`python -m postmigration.db.snapshot --db-url URL --schema-out FILE`, committed next to the
migrations (the app profile's `schema_snapshot`), and read back instead of old's catalogue.
It holds the same definitions the comparisons with old read (objects.py, schema.py's for the
custom schemas and for public, grants.py, the realtime publication's tables, the API roles'
settings, sealed: see role_settings.py, and the app's triggers on the platform's tables: see
schema.platform_table_triggers; and of what the project carries besides its schema, each
pg_cron job's schedule, activity and command digest, the Vault secrets' names, never a
value, and each database webhook's URL without its origin or query values, how it fires and
calls, its headers by name; the app's own roles, their attributes and memberships, never a
password; what the API's roles are members of and whether they inherit), the migrations
recorded when it was taken (to tell a stale snapshot from a broken target) and when it was
taken. A snapshot written before role settings (or those triggers, public's schema, the jobs,
the secrets' names, the webhooks, the roles or the API roles' memberships) were part of it has
none (None): the check then asks for a refresh.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from .api_memberships import api_role_memberships
from .carried import (
    cron_jobs,
    kept_cron_jobs,
    kept_webhooks,
    published_tables,
    vault_secrets,
    webhooks,
)
from .grants import privileges
from .migrations import recorded_migrations
from .objects import object_facts
from .role_settings import Settings, role_settings, sealed_role_settings
from .roles import app_roles
from .schema import digested, platform_table_triggers, schema_facts
from .scope import app_schemas
from .unreadable import SnapshotUnreadable

Facts = dict[str, dict[str, str]]
SNAPSHOT_COMMAND = "python -m postmigration.db.snapshot --db-url URL --schema-out FILE"


@dataclass(frozen=True)
class SchemaSnapshot:
    """The app's schema as one database had it, at `taken` (UTC, ISO 8601)."""

    taken: str
    migrations: tuple[str, ...]
    schemas: tuple[str, ...]
    objects: Facts
    custom_schemas: Facts
    privileges: dict[str, str]
    realtime_tables: tuple[str, ...] | None
    role_settings: Settings | None = None
    platform_triggers: Facts | None = None
    public_schema: Facts | None = None
    # name -> {schedule, active, command digest}; {} without pg_cron (carried.kept_cron_jobs)
    cron_jobs: dict[str, dict[str, Any]] | None = None
    # the named Vault secrets; () without Vault
    vault_secrets: tuple[str, ...] | None = None
    # key -> {url (origin masked), firing, method, headers, params digest, timeout_ms}
    webhooks: dict[str, dict[str, Any]] | None = None
    # the app's roles: name -> {attributes, member of, granted to} (roles.app_roles)
    roles: dict[str, dict[str, Any]] | None = None
    # anon, authenticated, service_role: {inherit, member of} (api_memberships.py)
    api_roles: dict[str, dict[str, Any]] | None = None
    path: Path | None = field(default=None, compare=False)

    def content(self) -> dict[str, object]:
        """Everything but when it was taken: two snapshots of one schema have equal contents."""
        return {
            "migrations": list(self.migrations),
            "schemas": list(self.schemas),
            "objects": self.objects,
            "custom_schemas": self.custom_schemas,
            "privileges": self.privileges,
            "realtime_tables": None if self.realtime_tables is None else list(self.realtime_tables),
            "role_settings": None
            if self.role_settings is None
            else [
                [whose, name, value] for (whose, name), value in sorted(self.role_settings.items())
            ],
            "platform_triggers": self.platform_triggers,
            "public_schema": self.public_schema,
            "cron_jobs": self.cron_jobs,
            "vault_secrets": None if self.vault_secrets is None else list(self.vault_secrets),
            "webhooks": self.webhooks,
            "roles": self.roles,
            "api_roles": self.api_roles,
        }

    @property
    def where(self) -> str:
        """How findings name it: `the committed snapshot schema.snapshot.json`."""
        return f"the committed snapshot {self.path.name if self.path else ''}".rstrip()

    @property
    def described(self) -> str:
        """For the evidence: `compared with the committed snapshot <file>, taken <date>`."""
        return f"compared with {self.where}, taken {self.taken}"


def take_schema_snapshot(conn: psycopg.Connection) -> SchemaSnapshot:
    """Read, inside `conn`'s database, every definition the comparisons with old read."""
    schemas = app_schemas(conn)
    custom = tuple(s for s in schemas if s != "public")
    realtime = published_tables(conn)
    return SchemaSnapshot(
        taken=datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat(),
        migrations=tuple(m.version for m in recorded_migrations(conn)),
        schemas=schemas,
        objects=object_facts(conn, schemas),
        custom_schemas=digested(schema_facts(conn, custom)) if custom else {},
        privileges=privileges(conn, schemas),
        realtime_tables=None if realtime is None else tuple(sorted(realtime)),
        role_settings=sealed_role_settings(role_settings(conn)),
        platform_triggers=platform_table_triggers(conn, schemas),
        public_schema=digested(schema_facts(conn, ("public",))) if "public" in schemas else {},
        cron_jobs=kept_cron_jobs(cron_jobs(conn)),
        vault_secrets=tuple(sorted(vault_secrets(conn) or {})),
        webhooks=kept_webhooks(webhooks(conn)),
        roles=app_roles(conn),
        api_roles=api_role_memberships(conn),
    )


def save_schema_snapshot(snapshot: SchemaSnapshot, path: Path) -> None:
    """Write `snapshot` as stable, reviewable JSON (sorted keys, one fact per line)."""
    data = {"taken": snapshot.taken, **snapshot.content()}
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def load_schema_snapshot(path: Path) -> SchemaSnapshot:
    """Read a snapshot written by save_schema_snapshot; SnapshotUnreadable names what is wrong."""
    try:
        data = json.loads(path.read_text())
        realtime = data["realtime_tables"]
        settings = data.get("role_settings")
        return SchemaSnapshot(
            taken=str(data["taken"]),
            migrations=tuple(data["migrations"]),
            schemas=tuple(data["schemas"]),
            objects=data["objects"],
            custom_schemas=data["custom_schemas"],
            privileges=data["privileges"],
            realtime_tables=None if realtime is None else tuple(realtime),
            role_settings=None
            if settings is None
            else {(str(whose), str(name)): str(value) for whose, name, value in settings},
            platform_triggers=data.get("platform_triggers"),
            public_schema=data.get("public_schema"),
            cron_jobs=data.get("cron_jobs"),
            vault_secrets=None
            if data.get("vault_secrets") is None
            else tuple(data["vault_secrets"]),
            webhooks=data.get("webhooks"),
            roles=data.get("roles"),
            api_roles=data.get("api_roles"),
            path=path,
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotUnreadable(
            f"the schema snapshot {path} cannot be read ({type(exc).__name__}: {exc}); "
            f"write it again with `{SNAPSHOT_COMMAND}`"
        ) from None


def stale_because(snapshot: SchemaSnapshot, conn: psycopg.Connection) -> str | None:
    """Why `snapshot` cannot stand for the target's schema: migrations recorded on the target
    after it was taken (then refresh it); None when it covers every recorded migration."""
    newer = [m for m in recorded_migrations(conn) if m.version not in snapshot.migrations]
    if not newer:
        return None
    names = ", ".join(str(m) for m in newer[:2]) + (
        f" and {len(newer) - 2} more" if len(newer) > 2 else ""
    )
    return (
        f"{snapshot.where} (taken {snapshot.taken[:10]}) predates migration {names} recorded "
        f"on the target: refresh it with `{SNAPSHOT_COMMAND}`"
    )
