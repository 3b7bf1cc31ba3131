"""The committed policies snapshot: what rls-policies compares new with when there is no old.

It holds what the comparison with old covers: the policies of storage, realtime (Realtime
Authorization's, on realtime.messages) and every app schema (public and custom ones), and each
of those tables' row level security (switched on, and forced on the table's owner). A snapshot
written before it held the row level security (a bare list of policies) covers public's and
storage's policies only: it is still read, and says what it leaves out.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

from .policies import Policy, RowSecurity, policies, row_level_security
from .scope import app_schemas
from .unreadable import SnapshotUnreadable

FORMAT = 2
# The schemas a snapshot written before FORMAT 2 holds the policies of.
LEGACY_SCHEMAS = ("public", "storage")
WRITE_COMMAND = "python -m postmigration.db.snapshot --db-url URL --out FILE"


def policy_schemas(*conns: psycopg.Connection) -> tuple[str, ...]:
    """The schemas whose policies and row level security rls-policies compares: storage,
    realtime and the app's own schemas on any of `conns`."""
    return ("storage", "realtime", *app_schemas(*conns))


@dataclass(frozen=True)
class PoliciesSnapshot:
    """The policies and row level security of `schemas`, as one database had them;
    `row_security` is None for a snapshot written before it held it."""

    schemas: tuple[str, ...]
    policies: list[Policy]
    row_security: dict[str, RowSecurity] | None

    @property
    def left_out(self) -> str | None:
        """What a snapshot written before FORMAT 2 cannot compare, in words; None otherwise."""
        if self.row_security is not None:
            return None
        return (
            "the snapshot holds only public's and storage's policies (written before it kept"
            " the other schemas and the row level security): the policies of realtime and of"
            " custom schemas, and where row level security is on or forced, are not compared;"
            f" refresh it with `{WRITE_COMMAND}`"
        )


def take_policies_snapshot(conn: psycopg.Connection) -> PoliciesSnapshot:
    """The policies and row level security of storage, realtime and the app's schemas."""
    schemas = policy_schemas(conn)
    return PoliciesSnapshot(schemas, policies(conn, schemas), row_level_security(conn, schemas))


def save_snapshot(snapshot: PoliciesSnapshot, path: Path) -> None:
    """Write `snapshot` (one taken, not one read from a file written before FORMAT 2) as a
    committed file, for targets with no old server to compare to."""
    security = snapshot.row_security
    if security is None:  # written as FORMAT 2, it would claim tables had no row level security
        raise ValueError("a snapshot without row level security cannot be written: take one")
    data = {
        "format": FORMAT,
        "schemas": list(snapshot.schemas),
        "policies": [asdict(p) for p in snapshot.policies],
        "row_security": {table: asdict(security[table]) for table in sorted(security)},
    }
    path.write_text(json.dumps(data, indent=1) + "\n")


def load_snapshot(path: Path) -> PoliciesSnapshot:
    """Read a snapshot written by save_snapshot (or, before FORMAT 2, a bare list of
    policies); SnapshotUnreadable names what is wrong."""
    try:
        data = json.loads(path.read_text())
        if isinstance(data, list):
            return PoliciesSnapshot(LEGACY_SCHEMAS, _policies(data), None)
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, not {FORMAT}")
        security = {
            str(table): RowSecurity(bool(flags["enabled"]), bool(flags["forced"]))
            for table, flags in data["row_security"].items()
        }
        return PoliciesSnapshot(tuple(data["schemas"]), _policies(data["policies"]), security)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SnapshotUnreadable(
            f"the policies snapshot {path} cannot be read ({type(exc).__name__}: {exc});"
            f" write it again with `{WRITE_COMMAND}`"
        ) from None


def _policies(data: list[dict[str, Any]]) -> list[Policy]:
    return sorted(Policy(**{**d, "roles": tuple(d["roles"])}) for d in data)
