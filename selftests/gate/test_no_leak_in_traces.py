"""No secret reaches the report through evidence or a failing test's Playwright trace: not the
app's own sign-in (the token endpoint's answer with its refresh token, the password typed into
the form), which the run never learned; not the invite token in the links of the messages the
invitee received."""

from __future__ import annotations

import re
from pathlib import Path

from selftests.gate.conftest import (
    ServingPlaybook,
    damaged,
    gate_on,
    item_files,
    query_one,
    site_patched,
)
from selftests.report_texts import texts_in

APP_JS = Path(__file__).resolve().parents[2] / "reference" / "web" / "app.js"
SIGN_OUT = 'await supabase.auth.signOut({ scope: "local" })'


def test_a_login_failing_after_the_form_sign_in_keeps_its_tokens_out_of_the_trace(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """New's site with a sign-out that keeps the session: the login item fails after the form
    signed in, its trace is attached with the network and page snapshots (--trace-snapshots,
    so the token endpoint's answer is in it); no refresh token new issued, and no configured
    secret (keys, passwords), is in the report, its traces opened."""
    app = APP_JS.read_text()
    assert SIGN_OUT in app, "the reference app's sign-out changed: update this damage"
    kept_session = app.replace(SIGN_OUT, "({ error: null })")
    with site_patched(breakable, "app.js", kept_session):
        run = gate_on(breakable, tmp_path / "login", *item_files("login"), "--trace-snapshots")
    login = run.item("login")
    assert login["status"] == "failed", run.digest()
    assert "signing out" in str(login["reason"]), login["reason"]
    report = run.report_dir / "go-no-go.html"
    texts = "\n".join(texts_in(report))
    assert '"type":"context-options"' in texts, "no trace attached"
    assert '"type":"resource-snapshot"' in texts, "the trace holds no network"
    assert '"type":"frame-snapshot"' in texts, "the trace holds no page snapshot"
    (tokens,) = query_one(
        breakable, "new", "select coalesce(array_agg(token), '{}') from auth.refresh_tokens"
    )
    assert tokens, "new issued no refresh token: the damage did not sign in"
    leaked = [t for t in tokens if t in texts]
    assert not leaked, f"{len(leaked)} refresh token(s) of new are in the report"
    shown = [s for s in breakable.secrets() if s in texts]
    assert not shown, f"{len(shown)} configured secret(s) are in the report"


# The reference app's invite link: SITE_URL/invites/<token>, the token 128 random bits in hex.
INVITE_LINK_TOKEN = re.compile(r"/invites/([0-9a-f]{32})")
INVITEES_READ = '"Invitees read invites addressed to them" on public.goal_invites'


def test_the_invite_token_of_the_messages_stays_out_of_evidence_and_traces(
    breakable: ServingPlaybook, tmp_path: Path
) -> None:
    """The invite's email and WhatsApp message carry its token in the link's path: a passing
    goal-invite item shows the messages and the link's hops as evidence, and a failing one (the
    invitee may not read the invite) attaches the invitee's browser trace; neither report holds
    a token, yet each shows where the link led."""
    passing = gate_on(breakable, tmp_path / "passing", *item_files("goal-invite"))
    assert passing.item("goal-invite")["status"] == "passed", passing.digest()
    with damaged(
        breakable,
        "new",
        [f"drop policy {INVITEES_READ}"],
        [
            f"create policy {INVITEES_READ} for select to authenticated"
            " using (public.is_invitee(invitee_email, invitee_phone))"
        ],
    ):
        failing = gate_on(breakable, tmp_path / "failing", *item_files("goal-invite"))
    assert failing.item("goal-invite")["status"] == "failed", failing.digest()
    for run in (passing, failing):
        texts = "\n".join(texts_in(run.report_dir / "go-no-go.html"))
        assert "/invites/[redacted]" in texts, "the report no longer shows the invite link"
        leaked = INVITE_LINK_TOKEN.findall(texts)
        assert not leaked, f"{len(leaked)} invite token(s) are in the report"
    assert "trace.trace" in texts or '"type":"context-options"' in texts, "no trace attached"
