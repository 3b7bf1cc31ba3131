"""A supabase-py refusal becomes one line naming the API, the status and the message (the
clients' own texts are a dict or a multi-line repr); other exceptions are left alone."""

from __future__ import annotations

from postgrest.exceptions import APIError
from storage3.exceptions import StorageApiError

from postmigration.refusals import refusal


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
