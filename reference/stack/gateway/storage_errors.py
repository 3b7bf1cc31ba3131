"""Supabase Storage's error shape: the real status lives in the body, the HTTP status is 400.

    StorageError                 one failure, rendered as
                                 {"statusCode": "<str>", "error", "message", "code"}

Storage answers HTTP 400 for nearly everything and 500 for internal errors; a few errors carry
their own HTTP status (416 for a bad Range). storage3 builds `StorageApiError(message, error,
statusCode)` from such a body, so every key must be present. The factories below name the
errors as Storage does (src/internal/errors/codes.ts) and keep its messages.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import JSONResponse


@dataclass
class StorageError(Exception):
    """A Storage failure: `status` is the body's statusCode, `http_status` what the wire says."""

    status: int
    code: str
    error: str
    message: str
    http_status: int | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, str]:
        """The JSON body Storage sends for this error."""
        return {
            "statusCode": str(self.status),
            "error": self.error,
            "message": self.message,
            "code": self.code,
        }

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        """The HTTP response: 400 unless the error is internal (500) or has its own status."""
        wire = self.http_status or (500 if self.status == 500 else 400)
        return JSONResponse(self.body(), status_code=wire, headers=headers)


def no_such_bucket() -> StorageError:
    """The bucket does not exist (or is not public where a public one is needed)."""
    return StorageError(404, "NoSuchBucket", "Bucket not found", "Bucket not found")


def no_such_key() -> StorageError:
    """The object does not exist, or the caller's policies hide it."""
    return StorageError(404, "NoSuchKey", "not_found", "Object not found")


def file_missing() -> StorageError:
    """The row exists but its bytes are gone (Storage's renderer answer for a 404 backend)."""
    return StorageError(404, "NoSuchKey", "Not found", "The resource was not found")


def access_denied(
    message: str = "Access denied", *, http_status: int | None = None
) -> StorageError:
    """A policy, role or JWT refused the request."""
    return StorageError(403, "AccessDenied", "Unauthorized", message, http_status)


def rls_denied() -> StorageError:
    """Postgres refused the row under the caller's storage policies."""
    return access_denied("new row violates row-level security policy")


def already_exists() -> StorageError:
    """An object or bucket with that key exists (and no upsert was asked for)."""
    return StorageError(409, "ResourceAlreadyExists", "Duplicate", "The resource already exists")


def bucket_not_empty() -> StorageError:
    """A bucket still holding objects cannot be deleted."""
    return StorageError(
        409, "ResourceNotEmpty", "ResourceNotEmpty", "The bucket you tried to delete is not empty"
    )


def entity_too_large(entity: str = "object") -> StorageError:
    """The upload exceeded the bucket's file_size_limit or the global limit."""
    return StorageError(
        413,
        "EntityTooLarge",
        "Payload too large",
        f"The {entity} exceeded the maximum allowed size",
    )


def invalid_mime_type(mime: str) -> StorageError:
    """The upload's content type is not in the bucket's allowed_mime_types."""
    return StorageError(
        415, "InvalidMimeType", "invalid_mime_type", f"mime type {mime} is not supported"
    )


def invalid_range() -> StorageError:
    """A Range header that does not fit the object (sent with HTTP 416)."""
    return StorageError(
        416, "InvalidRange", "invalid_range", "invalid range provided", http_status=416
    )


def invalid_jwt(message: str) -> StorageError:
    """A signed-URL token that does not verify."""
    return StorageError(400, "InvalidJWT", "InvalidJWT", message)


def invalid_signature(message: str = "Invalid signature") -> StorageError:
    """A signed-URL token issued for another object or action."""
    return StorageError(400, "InvalidSignature", "InvalidSignature", message)


def invalid_key(key: str) -> StorageError:
    """An object name Storage does not accept."""
    return StorageError(400, "InvalidKey", "InvalidKey", f"Invalid key: {key}")


def invalid_bucket_name(name: str) -> StorageError:
    """A bucket name Storage does not accept."""
    return StorageError(400, "InvalidBucketName", "Invalid Input", "Bucket name invalid")


def invalid_request(message: str) -> StorageError:
    """A request Storage's schema validation would reject."""
    return StorageError(400, "InvalidRequest", "Bad Request", message)


def missing_authorization() -> StorageError:
    """No Authorization header on a route whose schema requires one (Storage's `authSchema`):
    Fastify's validation error as Storage's error handler renders it, before any JWT check."""
    return StorageError(
        400, "InvalidRequest", "Error", "headers must have required property 'authorization'"
    )


def no_content() -> StorageError:
    """An upload without a file."""
    return StorageError(400, "InvalidRequest", "InvalidRequest", "No content provided")


def not_found_route(method: str, path: str) -> StorageError:
    """No Storage route matches (Storage's not-found handler answers a real 404)."""
    return StorageError(
        404, "InvalidRequest", "Not Found", f"Route {method}:{path} not found", http_status=404
    )


def internal(message: str = "Internal server error") -> StorageError:
    """Something broke on our side: a 500, never a traceback."""
    return StorageError(500, "InternalError", "Internal", message)


# Postgres SQLSTATE → Storage error, as src/storage/database/errors.ts maps them.
def from_sqlstate(sqlstate: str | None, message: str) -> StorageError:
    """Translate a Postgres error raised while running as the caller."""
    if sqlstate == "42501":
        if "row-level security" in message:
            return rls_denied()
        return access_denied(message)
    if sqlstate == "23505":
        return already_exists()
    if sqlstate == "23503":
        if "is still referenced" in message:
            return StorageError(
                409,
                "ResourceReferenced",
                "ResourceReferenced",
                "The resource could not be updated or removed due to a foreign key constraint",
            )
        return StorageError(
            404, "InvalidRequest", "InvalidRequest", "The related resource does not exist"
        )
    if sqlstate == "22P02":
        return StorageError(400, "InvalidParameter", "InvalidParameter", message)
    if sqlstate == "57014":
        return StorageError(
            544,
            "DatabaseTimeout",
            "DatabaseTimeout",
            "The connection to the database timed out",
            http_status=544,
        )
    return StorageError(500, "DatabaseError", "DatabaseError", f"database error, code: {sqlstate}")
