"""``python -m postmigration.precompile [TESTS]``: cache pytest's rewritten modules once.

pytest rewrites the asserts of every module of a pytest plugin's package (this one, and others
such as anyio's) and of the suite's test files, in every process that imports them: the gate,
and each xdist worker. It caches the result beside the source only where Python may write
bytecode, but reads a cached copy even where it may not. Where ``PYTHONDONTWRITEBYTECODE`` is
set (many CI images), each gate process would redo it: about a second of CPU. This collects
the suite once with bytecode writing on, so the cache exists; a module whose source changes is
rewritten again as usual.
"""

from __future__ import annotations

import os
import subprocess
import sys

from postmigration.plugin import SUITE_FIXTURE_MODULES


def precompile_command(tests: str) -> list[str]:
    """The pytest run that imports what a gate run imports, without running anything."""
    plugins = [arg for module in SUITE_FIXTURE_MODULES for arg in ("-p", module)]
    return [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        *plugins,
        tests,
    ]


def main(argv: list[str] | None = None) -> int:
    """Write the cache for the suite in TESTS (default ``tests``); 0 when it was collected."""
    args = sys.argv[1:] if argv is None else argv
    tests = args[0] if args else "tests"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(precompile_command(tests), env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
        print(f"precompile: collecting {tests} failed: {lines[-1]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
