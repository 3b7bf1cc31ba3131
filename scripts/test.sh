#!/usr/bin/env bash
# The project's own tests: installs what is missing, then runs selftests/ (units, the plugin
# under pytester, the stand-in and the suite against it). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check --quiet . && .venv/bin/ruff format --check --quiet .
set +e
# Three workers on two cores, one test file each at a time: a file's stacks and its
# damage-and-repair order stay together, and the playbook-heavy gate files run beside the rest.
# The self-tests wait on stacks, browsers and inboxes much of the time: with two workers the CPU
# stayed 19 % idle during the detection matrix (one shard per worker; alone it took 1,168 s in
# two shards, 993 s and 1,129 s in three). Files go out in the order selftests/conftest.py gives
# (the longest first), not xdist's (most tests first).
# A base temp dir of their own, outside /tmp/pytest-of-<user>: every other pytest session (the
# gate runs the self-tests start, any run on the machine) takes that dir's group and other
# bits away, and the stacks' PostgreSQL runs as another user who must reach its data dir.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-selftests.XXXXXX")
.venv/bin/python -m pytest selftests -p no:randomly -q -n 3 --dist loadfile --no-loadscope-reorder --basetemp="$tmp" "$@"
code=$?
set -e
if [ "$code" -eq 0 ]; then rm -rf "$tmp"; else echo "test.sh: the self-tests' files are in $tmp" >&2; fi
if [ "$code" -eq 5 ]; then
  echo "test.sh: pytest collected no tests" >&2
  exit 1
fi
exit "$code"
