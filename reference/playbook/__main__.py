"""`python -m reference.playbook --state DIR [--fault NAME] [--rows N] [--users N] [--objects N]
[--old-keys=legacy|new|both] [--new-keys=legacy|new|both] [--before-switch] [--latency-ms N]`."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from reference.stack.keys import KEY_MODES

from .errors import PlaybookError, UnknownFault
from .faults import fault_named
from .run import Options, Playbook
from .volume import disk_problem


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the playbook, serve both stacks until SIGTERM/SIGINT, stop them; exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m reference.playbook",
        description="Migrate a seeded stand-in (old) to a fresh one (new) the playbook's way.",
    )
    parser.add_argument("--state", required=True, type=Path, help="state dir (old/, new/, dump)")
    parser.add_argument("--fault", default=None, help="do one step wrong (a named fault)")
    parser.add_argument("--rows", type=_positive, default=100_000, help="rows in the largest table")
    parser.add_argument("--users", type=_positive, default=1_000, help="bulk users added to old")
    parser.add_argument(
        "--objects",
        type=_not_negative,
        default=0,
        help="small storage objects added to old's media bucket (files and their rows); "
        "refused up front when old's and new's copies would not fit on the disk",
    )
    for side in ("old", "new"):
        parser.add_argument(
            f"--{side}-keys",
            choices=KEY_MODES,
            default="both",
            help=f"{side}'s API keys: legacy (anon/service_role, HS256), new (publishable/"
            "secret, ES256 with a JWKS) or both (default)",
        )
    parser.add_argument(
        "--before-switch",
        action="store_true",
        help="stop short of the DNS switch: the public name stays on old (for the pre-cutover "
        "gate; switch later with python -m reference.playbook.nameserver --point-at new)",
    )
    parser.add_argument(
        "--latency-ms",
        type=_not_negative,
        default=0,
        help="delay every answer of both stacks (API and site) by N ms: a far target",
    )
    args = parser.parse_args(argv)
    try:
        fault = fault_named(args.fault)
    except UnknownFault as exc:
        print(f"playbook: {exc}", file=sys.stderr)
        return 2
    too_many = disk_problem(args.state.resolve(), args.objects)
    if too_many:
        print(f"playbook: {too_many}", file=sys.stderr)
        return 2
    playbook = Playbook(
        Options(
            state_dir=args.state.resolve(),
            fault=fault,
            rows=args.rows,
            users=args.users,
            objects=args.objects,
            old_keys=args.old_keys,
            new_keys=args.new_keys,
            before_switch=args.before_switch,
            latency_ms=args.latency_ms,
        )
    )
    signal.signal(signal.SIGTERM, _terminate)
    try:
        playbook.run()
        took = time.monotonic() - playbook.started
        print(
            f"playbook done in {took:.1f}s: old={playbook.old_url} new={playbook.new_url}"
            f" config={playbook.config_file}",
            flush=True,
        )
        while (dead := playbook.dead_stack()) is None:
            time.sleep(0.5)
        print(f"playbook: stack {dead} stopped unexpectedly", file=sys.stderr)
        return 1
    except PlaybookError as exc:
        print(f"playbook: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # a signal while serving is the normal end; during the steps it aborts the run
        return 0 if playbook.config_file is not None else 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        playbook.stop()


if __name__ == "__main__":
    sys.exit(main())
