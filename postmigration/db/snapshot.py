"""`python -m postmigration.db.snapshot --db-url URL --out FILE`: write a policies snapshot.

For targets with no old server to compare to, the rls-policies item compares the target's
policies with this committed file (the app profile's `policies_snapshot`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .connection import DatabaseUnreachable, connect
from .policies import policies, save_snapshot


def main(argv: list[str] | None = None) -> int:
    """Read every policy of public and storage from the database and write them to --out."""
    parser = argparse.ArgumentParser(prog="python -m postmigration.db.snapshot")
    parser.add_argument("--db-url", required=True, help="the database whose policies are right")
    parser.add_argument("--out", required=True, type=Path, help="where to write the snapshot")
    args = parser.parse_args(argv)
    try:
        with connect(args.db_url) as conn:
            items = policies(conn)
    except DatabaseUnreachable as exc:
        print(f"snapshot: {exc}", file=sys.stderr)
        return 2
    save_snapshot(items, args.out)
    print(f"wrote {len(items)} policies to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
