"""``python -m postmigration``: the commands around the gate.

``init`` writes a commented ``postmigration.toml`` (and ``.env.example``) from the project's
``supabase/`` folder; ``check`` asks, in seconds, whether everything the gate needs is ready.
The gate itself stays ``pytest -m postmigration --target=NAME``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from postmigration.errors import ConfigError, PostmigrationError
from postmigration.init import write_init
from postmigration.readiness import CONFIG_MISTAKE, USAGE, run_check
from postmigration.session import choose_config_file, choose_target


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m postmigration",
        description="Set up and dry-run the post-migration GO / NO-GO gate "
        "(the gate itself: pytest -m postmigration --target=NAME).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    init = commands.add_parser(
        "init",
        help="write a commented postmigration.toml and .env.example from your supabase/ folder",
        description="Write a commented postmigration.toml (and .env.example beside it) from the "
        "project's supabase/config.toml, supabase/functions and supabase/migrations.",
    )
    init.add_argument(
        "--project",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the folder holding supabase/ (default: the current one)",
    )
    init.add_argument(
        "--output",
        type=Path,
        default=Path("postmigration.toml"),
        metavar="PATH",
        help="where to write the config (default: ./postmigration.toml)",
    )
    init.add_argument("--force", action="store_true", help="replace existing files")
    check = commands.add_parser(
        "check",
        help="check in seconds that targets, keys, database and accounts are ready for the gate",
        description="A dry run: the config loads, each target answers and accepts its keys, "
        "the database lets db_url in, each test account signs in. Exit 0 ready, 1 not, "
        "4 a configuration mistake.",
    )
    check.add_argument("--target", metavar="NAME", help="the target to check (e.g. new)")
    check.add_argument(
        "--pm-config", metavar="PATH", help="the config file (default: ./postmigration.toml)"
    )
    check.add_argument("--compare-to", metavar="NAME", help="also check this target (e.g. old)")
    return parser


def _root(cwd: Path) -> Path:
    """The checkout with reference/ (the app profile's defaults live there), else cwd."""
    package_parent = Path(__file__).resolve().parent.parent
    return package_parent if (package_parent / "reference" / "stack").is_dir() else cwd


def _check(args: argparse.Namespace, cwd: Path) -> int:
    chosen = choose_target(args.target, os.environ)
    if chosen is None:
        print(
            "check: name the target: --target=NAME (or set POSTMIGRATION_TARGET)", file=sys.stderr
        )
        return USAGE
    name, root = chosen[0], _root(cwd)
    if name == "local" and not os.environ.get("LOCAL_SUPABASE_URL"):
        config_file = choose_config_file(args.pm_config, cwd, root)
        if "local" not in config_file.data.get("targets", {}):
            print(
                "check: --target=local is the stand-in the gate starts itself; "
                "check a target you configured (e.g. --target=new)",
                file=sys.stderr,
            )
            return USAGE
    return run_check(
        target_name=name,
        pm_config=args.pm_config,
        compare_to=args.compare_to,
        cwd=cwd,
        root=root,
        say=lambda line: print(line, flush=True),
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command; a user's mistake is one line, no traceback."""
    args = _parser().parse_args(argv)
    cwd = Path.cwd()
    try:
        if args.command == "init":
            code, line = write_init(args.project.resolve(), args.output.resolve(), force=args.force)
            print(line, file=sys.stdout if code == 0 else sys.stderr)
            return code
        return _check(args, cwd)
    except ConfigError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return CONFIG_MISTAKE
    except PostmigrationError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
