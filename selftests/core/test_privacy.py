"""Our reading of Storage's answers to a read of a private object (postmigration.privacy).

Proves: only Storage's own refusals (HTTP 400 with statusCode 401/403/404, or 400 InvalidJWT,
or 400 for a missing Authorization header in the exact shape of Storage's schema validation;
a plain 401/403/404) count as private; a 200 is a leak naming who read it; a 500, another 400
(the same message in another shape included), a non-JSON error or no answer at all fails
naming what came back; supabase-py's StorageApiError is read the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from storage3.exceptions import StorageApiError

from postmigration.privacy import answer_of_error, privacy_problem, read

WHERE = "chat-images/u1/a.png"
WHO = 'signed-in "invitee"'


def _client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler), base_url="https://p.test")


def _problem(response: httpx.Response) -> str | None:
    with _client(lambda request: response) as http:
        return privacy_problem(read(http, "/storage/v1/object/authenticated/" + WHERE), WHERE, WHO)


def _storage(status: str, error: str, message: str, wire: int = 400) -> httpx.Response:
    body = {"statusCode": status, "error": error, "message": message, "code": error}
    return httpx.Response(wire, json=body)


@pytest.mark.parametrize(
    "response",
    [
        _storage("404", "not_found", "Object not found"),
        _storage("404", "Bucket not found", "Bucket not found"),
        _storage("403", "Unauthorized", "Invalid Compact JWS"),
        _storage("400", "InvalidJWT", "jwt expired"),
        httpx.Response(401, text="unauthorized"),
        httpx.Response(403, text="forbidden"),
        httpx.Response(404, text="not found"),
    ],
)
def test_storage_refusals_count_as_private(response: httpx.Response) -> None:
    assert _problem(response) is None


NO_AUTHORIZATION = "headers must have required property 'authorization'"


def _no_authorization(**extra: str) -> httpx.Response:
    """Storage's answer to a read of /object/authenticated/... without an Authorization header:
    Fastify's header-schema validation error as src/http/error-handler.ts renders it (HTTP 400;
    `code` absent before Storage added one, then "InternalError", now "InvalidRequest")."""
    body = {"statusCode": "400", "error": "Error", "message": NO_AUTHORIZATION, **extra}
    return httpx.Response(400, json=body)


@pytest.mark.parametrize(
    "response",
    [
        _no_authorization(),
        _no_authorization(code="InternalError"),
        _no_authorization(code="InvalidRequest"),
    ],
    ids=["no-code", "InternalError", "InvalidRequest"],
)
def test_storage_refusing_a_read_without_authorization_counts_as_private(
    response: httpx.Response,
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert "authorization" not in request.headers
        return response

    with _client(answer) as http:
        got = read(http, "/storage/v1/object/authenticated/" + WHERE)
    assert privacy_problem(got, WHERE, "anyone without a token") is None


@pytest.mark.parametrize(
    "response",
    [
        # Another validation failure: not a refusal of the caller.
        _no_authorization(message="body must have required property 'prefix'"),
        _no_authorization(code="InvalidKey"),
        _no_authorization(error="InvalidRequest", code="InvalidRequest"),
        _no_authorization(statusCode="500"),
        # The words, but not from Storage: another wire status, a non-JSON body.
        httpx.Response(
            500, json={"statusCode": "400", "error": "Error", "message": NO_AUTHORIZATION}
        ),
        httpx.Response(400, text=NO_AUTHORIZATION),
        httpx.Response(400, json={"message": NO_AUTHORIZATION}),
    ],
)
def test_other_answers_near_the_missing_authorization_one_fail(response: httpx.Response) -> None:
    problem = _problem(response)
    assert problem is not None and "not shown to be private" in problem


def test_a_200_is_a_leak_naming_who_read_it() -> None:
    assert _problem(httpx.Response(200, content=b"png")) == f"{WHERE} is readable by {WHO}"


@pytest.mark.parametrize(
    ("response", "named"),
    [
        (_storage("500", "DatabaseError", "database error", 500), "HTTP 500 (statusCode 500"),
        (httpx.Response(500, text="Internal Server Error"), "HTTP 500 (Internal Server Error)"),
        (
            _storage("400", "InvalidKey", "Invalid key: a.png"),
            "HTTP 400 (statusCode 400 InvalidKey",
        ),
        (httpx.Response(400, text="<html>bad gateway</html>"), "HTTP 400"),
        (httpx.Response(502, text="Bad Gateway"), "HTTP 502"),
    ],
)
def test_any_other_answer_fails_naming_it(response: httpx.Response, named: str) -> None:
    problem = _problem(response)
    assert problem is not None
    assert problem.startswith(f"{WHERE} answered {WHO} with {named}"), problem
    assert "not shown to be private" in problem


def test_no_answer_fails() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with _client(refuse) as http:
        answer = read(http, "/x")
    problem = privacy_problem(answer, WHERE, WHO)
    assert problem is not None and "no answer (ConnectError" in problem


def test_supabase_py_errors_are_read_like_the_wire() -> None:
    refused = answer_of_error(StorageApiError("Object not found", "NoSuchKey", "404"))
    assert privacy_problem(refused, WHERE, WHO) is None
    broken = privacy_problem(
        answer_of_error(StorageApiError("database error", "DatabaseError", "500")), WHERE, WHO
    )
    assert broken is not None and "statusCode 500 DatabaseError" in broken
    unauthorized = answer_of_error(StorageApiError(NO_AUTHORIZATION, "Error", "400"))
    assert privacy_problem(unauthorized, WHERE, WHO) is None
    timeout = privacy_problem(answer_of_error(httpx.ReadTimeout("slow")), WHERE, WHO)
    assert timeout is not None and "ReadTimeout" in timeout
