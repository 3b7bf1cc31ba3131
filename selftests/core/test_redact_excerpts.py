"""Excerpts of answers never keep part of a secret, the target's own messages hide what looks
like a key, the tokens in a message's links are found, and a URL's password is scrubbed."""

from __future__ import annotations

from postmigration.functions import Invocation
from postmigration.inbox.links import link_tokens
from postmigration.redact import HIDDEN, REDACTED, Redactor, excerpt, hide_token_like

SECRET = "Zq8-service-key-4f9a1c2b7d6e5f40"


def test_a_secret_cut_by_the_limit_is_dropped_whole_not_left_as_a_prefix() -> None:
    """Cut before the run's scrub, the first 20 characters of a configured secret survived
    `[:300]`; the excerpt drops the cut word, so the scrub has nothing half-known to miss."""
    body = "x" * 280 + " " + SECRET + " tail"
    old_way = Redactor([SECRET]).scrub(body[:300])
    assert SECRET[:19] in old_way, "the damage no longer shows the old leak"
    cut = Redactor([SECRET]).scrub(excerpt(body, 300))
    assert SECRET[:6] not in cut, cut
    assert cut.endswith("…"), cut


def test_an_excerpt_keeps_whole_words_and_short_text() -> None:
    assert excerpt("short answer", 300) == "short answer"
    assert excerpt('{"error": "not found", "code": "x"}', 20) == '{"error": "not found…'
    assert excerpt("a" * 50, 10) == "…"


def test_an_excerpt_scrubs_what_every_redactor_knows_before_cutting() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLXBhcnQ"
    assert excerpt(f"Bearer {jwt} refused", 300) == f"Bearer {REDACTED} refused"


def test_a_function_s_message_hides_a_key_it_echoes_and_keeps_its_words() -> None:
    """A provider's key the run never knew, echoed by the function's error, is hidden."""
    answer = Invocation(
        "goal-notifications",
        502,
        "",
        {"error": "Resend refused key re_Zk81pQ4mT7vX2wY9aB: invalid API key"},
    )
    assert answer.message == f"Resend refused key {HIDDEN}: invalid API key"
    assert hide_token_like("relation public.weight_measurements does not exist") == (
        "relation public.weight_measurements does not exist"
    )


def test_the_tokens_in_a_message_s_links_are_found() -> None:
    body = (
        "Join: https://app.example.com/invites/10da75418bc12b9e14e805294c8e16fc\n"
        '<a href="https://api.example.com/auth/v1/verify?token=8f3c2a9d1e7b4c6a5f0e&amp;'
        'type=magiclink&amp;redirect_to=https://app.example.com">sign in</a>'
        " https://cdn.example.com/logo.png"
    )
    assert link_tokens(body) == ["10da75418bc12b9e14e805294c8e16fc", "8f3c2a9d1e7b4c6a5f0e"]


def test_the_password_of_any_url_s_user_info_is_scrubbed() -> None:
    """An https SITE_URL or an imaps inbox URL with user info keeps its user, not its password."""
    text = (
        "site https://admin:hunter2-xyz@app.example.com/ and imaps://me:pw-9q8w7e@mail.example.com"
    )
    assert Redactor().scrub(text) == (
        f"site https://admin:{REDACTED}@app.example.com/ and imaps://me:{REDACTED}@mail.example.com"
    )
    assert Redactor().scrub("http://127.0.0.1:8080/x@y") == "http://127.0.0.1:8080/x@y"
    # Glued to what comes before it (a base64 run, a JSON-escaped string), in any case.
    glued = "QUJDRA9+x.ySMTPS://mailer:pw-4r5t6y@smtp.example.com"
    assert Redactor().scrub(glued) == f"QUJDRA9+x.ySMTPS://mailer:{REDACTED}@smtp.example.com"
    assert Redactor().scrub("9p://user:pw-1q2w3e@host") == f"9p://user:{REDACTED}@host"
