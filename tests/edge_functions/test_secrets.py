"""Edge Functions: "Set secrets": every secret old's functions get is set on new too.

Read from the Management API's listing (`supabase secrets list`: names and digests, never a
value), old's and new's, and compared by name. This is what the smoke test cannot show: a
secret a function reads only on some calls (WHATSAPP_TOKEN, needed only for an invite with a
phone number) is missing without any dry run failing.
"""

from __future__ import annotations

import httpx
import pytest

from postmigration.comparison import require_comparison
from postmigration.config import Target
from postmigration.evidence import Evidence
from postmigration.findings import fail_on
from postmigration.function_secrets import listed_secrets
from postmigration.management import read_or_skip

pytestmark = [
    pytest.mark.postmigration,
    pytest.mark.edge_functions,
    pytest.mark.item("function-secrets"),
]


def test_every_secret_old_sets_is_set_on_new(
    http: httpx.Client,
    target: Target,
    comparison_target: Target | None,
    evidence: Evidence,
) -> None:
    """Each secret name old's listing has (the platform's SUPABASE_* aside) is on new's. The
    evidence says, per name, whether new's value equals old's (same digest) or differs: a
    different value is the team's choice (a new site, a new provider key) and not judged."""
    old_target = require_comparison(comparison_target, "the functions' secrets")
    old = read_or_skip(lambda: listed_secrets(http, old_target), old_target)
    new = read_or_skip(lambda: listed_secrets(http, target), target)
    evidence.text(
        f"secrets on new (project {new.ref}), compared with old (project {old.ref})",
        new.compared_with(old),
    )
    fail_on(
        [
            f"secret {name} is set on old but not on new "
            f"(supabase secrets set {name}=… --project-ref {new.ref})"
            for name in old.missing_from(new)
        ],
        "edge functions on new miss secrets old's functions have",
    )
