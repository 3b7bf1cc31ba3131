"""Edge Functions: "Set secrets": every secret old's functions get, and every one the app
declares its functions need, is set on new too.

Read from the Management API's listing (`supabase secrets list`: names and digests, never a
value), old's and new's, and compared by name; without old (at night on staging), new's
listing against the names the app profile declares (``[app] function_secrets``). This is what
the smoke test cannot show: a secret a function reads only on some calls (WHATSAPP_TOKEN,
needed only for an invite with a phone number) is missing without any dry run failing.
"""

from __future__ import annotations

import httpx
import pytest

from postmigration.app_profile import AppProfile
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


def test_every_secret_old_has_or_the_app_declares_is_set_on_new(
    http: httpx.Client,
    target: Target,
    comparison_target: Target | None,
    app_profile: AppProfile,
    evidence: Evidence,
) -> None:
    """Each secret name old's listing has (the platform's SUPABASE_* aside), and each one the
    app declares its functions need (``[app] function_secrets``), is on new's listing. Without
    old (at night on staging) the declared names alone are the reference. The evidence says,
    per name, whether new's value equals old's (same digest) or differs: a different value is
    the team's choice (a new site, a new provider key) and not judged."""
    declared = app_profile.function_secrets
    if comparison_target is None and not declared:
        require_comparison(comparison_target, "the functions' secrets (the app declares none)")
    new = read_or_skip(lambda: listed_secrets(http, target), target)
    problems = []
    if comparison_target is not None:
        old = read_or_skip(lambda: listed_secrets(http, comparison_target), comparison_target)
        evidence.text(
            f"secrets on new (project {new.ref}), compared with old (project {old.ref})",
            new.compared_with(old),
        )
        problems += [
            f"secret {name} is set on old but not on new "
            f"(supabase secrets set {name}=… --project-ref {new.ref})"
            for name in old.missing_from(new)
        ]
        declared = tuple(name for name in declared if name not in old.digests)
    else:
        evidence.text("old's secrets", "not compared: no old server (--compare-to) in this run")
    evidence.text(
        "secrets the app declares its functions need ([app] function_secrets)",
        "\n".join(
            f"{name}: {'set' if name in new.digests else 'NOT SET'} on new"
            for name in app_profile.function_secrets
        )
        or "(none declared)",
    )
    problems += [
        f"secret {name} is one the app's functions need ([app] function_secrets) but is not set "
        f"on new (supabase secrets set {name}=… --project-ref {new.ref})"
        for name in declared
        if name not in new.digests
    ]
    fail_on(problems, "edge functions on new miss secrets they need")
