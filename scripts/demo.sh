#!/usr/bin/env bash
# The demo: installs what is missing, then runs the whole suite against the local stand-in and
# prints the verdict and where the report is. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/python -m pytest -m postmigration --target=local "$@"
code=$?
set -e
exit "$code"
