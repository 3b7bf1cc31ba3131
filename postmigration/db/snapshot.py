"""`python -m postmigration.db.snapshot --db-url URL [--out FILE] [--schema-out FILE]`: write
the committed snapshots the gate compares with when there is no old server.

`--out` writes the policies of storage, realtime and the app's schemas, and their tables' row
level security (the app profile's `policies_snapshot`, read by rls-policies);
`--schema-out` the schema: grants, extensions, schemas, functions' owners and settings, enums,
sequences, auth and storage tables, publications, the custom schemas' and public's objects and
the API roles' settings (the app profile's `schema_snapshot`, read by grants, schema-parity,
realtime and role-settings).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .connection import DatabaseUnreachable, connect
from .policies_snapshot import save_snapshot, take_policies_snapshot
from .schema_snapshot import save_schema_snapshot, take_schema_snapshot


def main(argv: list[str] | None = None) -> int:
    """Read the policies and/or the schema from the database and write the snapshots asked for."""
    parser = argparse.ArgumentParser(prog="python -m postmigration.db.snapshot")
    parser.add_argument("--db-url", required=True, help="the database whose schema is right")
    parser.add_argument("--out", type=Path, help="where to write the policies snapshot")
    parser.add_argument("--schema-out", type=Path, help="where to write the schema snapshot")
    args = parser.parse_args(argv)
    if args.out is None and args.schema_out is None:
        parser.error("say what to write: --out FILE (policies) and/or --schema-out FILE (schema)")
    try:
        with connect(args.db_url) as conn:
            taken = take_policies_snapshot(conn) if args.out else None
            schema = take_schema_snapshot(conn) if args.schema_out else None
    except DatabaseUnreachable as exc:
        print(f"snapshot: {exc}", file=sys.stderr)
        return 2
    if taken is not None:
        save_snapshot(taken, args.out)
        print(
            f"wrote {len(taken.policies)} policies of {', '.join(taken.schemas)} and the row level"
            f" security of {len(taken.row_security or {})} tables to {args.out}"
        )
    if schema is not None:
        save_schema_snapshot(schema, args.schema_out)
        print(
            f"wrote the schema of {', '.join(schema.schemas)} ({len(schema.privileges)} grants, "
            f"{len(schema.migrations)} migrations) to {args.schema_out}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
