"""Auth's words in a refused answer, and the login page's naming of a refused sign-in."""

from __future__ import annotations

from dataclasses import dataclass

from postmigration.auth_words import auth_words
from postmigration.pages.login import auth_refusal


@dataclass
class _Answer:
    """What auth_refusal reads of a Playwright Response: status, url and text()."""

    status: int
    body: str | None
    url: str = "https://new.example.supabase.co/auth/v1/token?grant_type=password"

    def text(self) -> str:
        if self.body is None:
            raise RuntimeError("Response body is unavailable for redirect responses")
        return self.body


def test_auth_words_are_gotrue_s_message_or_the_body_s_start() -> None:
    assert auth_words(
        '{"code":500,"error_code":"unexpected_failure","msg":"Error running hook URI"}'
    ) == ("Error running hook URI")
    assert auth_words('{"error":"invalid_grant","error_description":"Invalid login"}') == (
        "Invalid login"
    )
    assert auth_words("<html>\n <h1>502 Bad Gateway</h1>\n</html>") == (
        "<html> <h1>502 Bad Gateway</h1> </html>"
    )
    assert len(auth_words('{"msg": "' + "word " * 100 + '"}')) <= 161


def test_the_first_refused_sign_in_is_named_with_its_origin_status_and_words() -> None:
    answers = [
        _Answer(200, "{}"),
        _Answer(500, '{"msg": "Error running hook URI: permission denied"}'),
        _Answer(400, '{"msg": "Invalid login credentials"}'),
    ]
    assert auth_refusal(answers) == (  # type: ignore[arg-type]
        "Auth at https://new.example.supabase.co answered 500: "
        "Error running hook URI: permission denied"
    )


def test_a_refusal_whose_body_is_gone_is_named_by_its_status() -> None:
    assert auth_refusal([_Answer(503, None)]) == (  # type: ignore[arg-type]
        "Auth at https://new.example.supabase.co answered 503"
    )


def test_no_refusal_when_every_sign_in_was_answered_below_400() -> None:
    assert auth_refusal([_Answer(200, "{}")]) is None  # type: ignore[arg-type]
    assert auth_refusal([]) is None
