"""The suite's fixture modules, each a pytest plugin, marked for assertion rewriting at once.

pytest marks an installed plugin's modules for rewriting before it imports the plugin, but an
editable install (`pip install -e .`, as `scripts/setup.sh` makes) lists no modules for it to
mark. The plugin imports some of these modules itself before it registers them, and each
registration then warned "Module already imported so cannot be rewritten" on every run. The
plugin imports this module before any other of the package's.
"""

from __future__ import annotations

import pytest

# Loaded for every pytest run in the project (the plugin's `pytest_plugins`).
ALWAYS_LOADED = ("postmigration.fixtures", "postmigration.clients")
# Fixtures of the suite's areas; loaded only for a run with a target, so a passive pytest
# run (the project's own tests) does not import Playwright and friends.
SUITE_FIXTURE_MODULES = (
    "postmigration.db.fixtures",
    "postmigration.comparison",
    "postmigration.cleanup",
    "postmigration.browser",
    "postmigration.baseline",
)

pytest.register_assert_rewrite(*ALWAYS_LOADED, *SUITE_FIXTURE_MODULES)
