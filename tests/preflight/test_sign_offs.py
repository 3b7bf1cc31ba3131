"""Sign-offs: the approvals a team needs before the DNS switch, given by name on the command line."""

from __future__ import annotations

import pytest

from postmigration.evidence import Evidence
from postmigration.session import RunConfig

pytestmark = [pytest.mark.postmigration, pytest.mark.item("sign-offs")]


def test_every_declared_sign_off_is_given(pm_config: RunConfig, evidence: Evidence) -> None:
    """Each approval declared in [sign_offs] was given with --sign-off ID="NAME"; who gave it and
    when the run recorded it go into the report. A missing one leaves the item not verified:
    the suite cannot approve anything itself."""
    declared = pm_config.sign_offs_declared
    if not declared:
        pytest.skip(
            'no sign-offs declared: add [sign_offs] (e.g. maintenance-window = "Maintenance '
            'window approved") to the config'
        )
    given = pm_config.sign_offs
    evidence.text(
        "sign-offs",
        "\n".join(
            f"{sign_off} ({title}): "
            + (
                f"given by {given[sign_off].name} at {given[sign_off].at}"
                if sign_off in given
                else "NOT GIVEN"
            )
            for sign_off, title in declared.items()
        ),
    )
    missing = [f"{s} ({declared[s]})" for s in declared if s not in given]
    if missing:
        pytest.skip(
            f"sign-off not given: {', '.join(missing)} "
            f'(give it with --sign-off {next(s for s in declared if s not in given)}="NAME")'
        )
