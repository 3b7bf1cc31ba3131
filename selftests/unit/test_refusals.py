"""A supabase-py refusal becomes one line naming the API, the status and the message (the
clients' own texts are a dict or a multi-line repr); other exceptions are left alone."""

from __future__ import annotations

import pytest
from postgrest.exceptions import APIError
from storage3.exceptions import StorageApiError
from supabase_auth.errors import AuthApiError

from postmigration.refusals import Refused, attempt, refusal


def test_a_storage_refusal_names_storage_its_status_and_message() -> None:
    """storage3's error (whose text is a dict) reads as Storage's refusal."""
    said = refusal(StorageApiError("Invalid API key", "Unauthorized", 401))
    assert said == "Storage refused the request (401 Unauthorized): Invalid API key"


def test_a_key_refused_at_the_gateway_is_said_as_the_gateway_s_refusal() -> None:
    """A Storage call refused by the API gateway (storage3 cannot parse its body) names the
    gateway's message, not storage3's "Unable to parse"."""
    body = '{"message": "Invalid API key", "hint": "Double check your key."}'
    said = refusal(StorageApiError(f"Unable to parse error message: {body}", "InternalError", 401))
    assert said == "the API gateway refused the Storage request (401): Invalid API key"


def test_a_data_api_refusal_names_its_code_message_and_hint() -> None:
    """postgrest's APIError reads as the Data API's refusal, with the code and the hint."""
    error = APIError(
        {"message": "permission denied for table courses", "code": "42501", "hint": "grant it"}
    )
    said = refusal(error)
    assert said == (
        "the Data API refused the request (42501): permission denied for table courses;"
        " hint: grant it"
    )


def test_other_exceptions_are_not_refusals() -> None:
    """An assertion of our own keeps its own words."""
    assert refusal(AssertionError('bucket "avatars" is not public')) is None


def test_attempt_returns_a_data_api_refusal_with_its_code() -> None:
    """A Data API refusal comes back as Refused, its SQLSTATE kept for the test to branch on."""

    def insert() -> None:
        raise APIError({"message": "new row violates row-level security", "code": "42501"})

    answer = attempt(insert)
    assert answer == Refused("the Data API", "42501", "new row violates row-level security")
    assert str(answer) == (
        "the Data API refused the request (42501): new row violates row-level security"
    )


def test_attempt_returns_an_auth_refusal_with_its_code_and_status() -> None:
    """Auth's refusal keeps its error code and HTTP status."""

    def sign_in() -> None:
        raise AuthApiError("Invalid login credentials", 400, "invalid_credentials")

    answer = attempt(sign_in)
    assert answer == Refused("Auth", "invalid_credentials", "Invalid login credentials", 400)


def test_attempt_passes_answers_through_and_other_errors_on() -> None:
    """An answer is returned as is; an error that is no refusal (a timeout, a bug) propagates."""
    assert attempt(lambda: {"data": [1]}) == {"data": [1]}

    def broken() -> None:
        raise TimeoutError("read timed out")

    with pytest.raises(TimeoutError):
        attempt(broken)
