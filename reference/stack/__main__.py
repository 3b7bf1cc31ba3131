"""`python -m reference.stack up --state DIR [--port N] [--db-url URL] [--keys=legacy|new|both]
[--latency-ms N] [--resend-rate-limit N]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import StackError
from .keys import KEY_MODES
from .up import UpOptions, up


def _not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run it; errors are one line on stderr and exit code 2."""
    parser = argparse.ArgumentParser(prog="python -m reference.stack")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("up", help="start a stand-in Supabase project and serve it")
    start.add_argument("--state", required=True, type=Path, help="state dir (kept across restarts)")
    start.add_argument("--port", type=int, default=None, help="gateway port (0: any free port)")
    start.add_argument("--db-url", default=None, help="use this PostgreSQL server (superuser URL)")
    start.add_argument("--site-url", default=None, help="SITE_URL (default: the gateway URL)")
    start.add_argument(
        "--bare", action="store_true", help="Supabase's base shape only: no app migrations, no seed"
    )
    start.add_argument(
        "--keys",
        choices=KEY_MODES,
        default=None,
        help="API keys and token signing: legacy (anon/service_role JWTs, HS256), new"
        " (sb_publishable_/sb_secret_, ES256 with a JWKS) or both (default; remembered)",
    )
    start.add_argument(
        "--latency-ms",
        type=_not_negative,
        default=0,
        help="delay every answer of the gateway and the site by N ms (a far target; default 0)",
    )
    start.add_argument(
        "--resend-rate-limit",
        type=_not_negative,
        default=0,
        help="requests per second the Resend sink takes, sends and reads alike, refusing the"
        " rest with 429 as Resend does (its default plan: 2; default here 0: no limit)",
    )
    args = parser.parse_args(argv)
    try:
        up(
            UpOptions(
                state_dir=args.state,
                port=args.port,
                db_url=args.db_url,
                site_url=args.site_url,
                bare=args.bare,
                keys=args.keys,
                latency_ms=args.latency_ms,
                resend_rate_limit=args.resend_rate_limit,
            )
        )
    except StackError as exc:
        print(f"stand-in: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
