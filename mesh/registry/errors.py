"""The registry's errors: one `RegistryError` subclass per Confluent error code, and the JSON error body.

Each class carries `http_status` and `error_code` as class attributes; the app has one exception
handler that turns any of them into `{"error_code": ..., "message": ...}`, so routes only `raise`.

    RegistryError (mesh.core.errors)        500 / 50001
    ├── SubjectNotFoundError                404 / 40401
    ├── VersionNotFoundError                404 / 40402
    ├── SchemaNotFoundError                 404 / 40403
    ├── SubjectSoftDeletedError             404 / 40404
    ├── SubjectNotSoftDeletedError          404 / 40405
    ├── VersionSoftDeletedError             404 / 40406
    ├── VersionNotSoftDeletedError          404 / 40407
    ├── SubjectCompatibilityNotSetError     404 / 40408
    ├── SubjectModeNotSetError              404 / 40409
    ├── MalformedRequestError               400 / 400     (body is not JSON)
    ├── IncompatibleError                   409 / 409
    ├── UnprocessableRequestError           422 / 422     (JSON of the wrong shape)
    ├── InvalidSchemaError                  422 / 42201
    │   └── SchemaTooLargeError             422 / 42201   (its log record would not fit in Kafka)
    ├── RequestTooLargeError                413 / 413     (body over the cap, refused unread)
    ├── InvalidVersionError                 422 / 42202
    ├── InvalidCompatibilityLevelError      422 / 42203
    ├── InvalidModeError                    422 / 42204
    ├── OperationNotPermittedError          422 / 42205   (read-only mode, import mode rules)
    ├── ReferenceExistsError                422 / 42206
    ├── IdConflictError                     422 / 42207   (import: id already used by another schema)
    ├── AuthenticationRequiredError         401 / 40101   (no or wrong credentials; auth.py)
    ├── AccessDeniedError                   403 / 40301   (not the subject's owner, not the admin)
    ├── StoreError                          500 / 50001
    └── StoreTimeoutError                   500 / 50002
"""

from __future__ import annotations

import json
import re

from mesh.clients.codes import ErrorCode
from mesh.core.errors import RegistryError

__all__ = [
    "AccessDeniedError",
    "AuthenticationRequiredError",
    "IdConflictError",
    "IncompatibleError",
    "InvalidCompatibilityLevelError",
    "InvalidModeError",
    "InvalidSchemaError",
    "InvalidVersionError",
    "MalformedRequestError",
    "OperationNotPermittedError",
    "ReferenceExistsError",
    "RegistryError",
    "RequestTooLargeError",
    "SchemaNotFoundError",
    "SchemaTooLargeError",
    "StoreError",
    "StoreTimeoutError",
    "SubjectCompatibilityNotSetError",
    "SubjectModeNotSetError",
    "SubjectNotFoundError",
    "SubjectNotSoftDeletedError",
    "SubjectSoftDeletedError",
    "UnprocessableRequestError",
    "VersionNotFoundError",
    "VersionNotSoftDeletedError",
    "VersionSoftDeletedError",
    "clip",
    "error_body",
    "short_message",
]

ECHO_LIMIT = 120  # characters of a request's own text quoted back in an error message
MESSAGE_LIMIT = 16_000  # characters of a whole error message


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` cut to `limit` characters, saying how much was left out: error messages never echo 1 MB back."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


_LONG_WORD = re.compile(rf"\S{{{ECHO_LIMIT + 1},}}")


def short_message(text: str) -> str:
    """An error message with every overlong word (echoed input: a name, a level, a default) clipped,
    and the whole cut at `MESSAGE_LIMIT`: the message says what was wrong, it does not return the input."""
    return clip(_LONG_WORD.sub(lambda m: clip(m.group()), text), MESSAGE_LIMIT)


def error_body(exc: RegistryError) -> bytes:
    """The Confluent error body for `exc`: `{"error_code": ..., "message": ...}` (see `short_message`)."""
    return json.dumps({"error_code": exc.error_code, "message": short_message(str(exc))}).encode()


class SubjectNotFoundError(RegistryError):
    """No (live) version is registered under the subject."""

    http_status, error_code = 404, ErrorCode.SUBJECT_NOT_FOUND

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"Subject '{subject}' not found", hint="register a schema under it first or check the subject name"
        )


class VersionNotFoundError(RegistryError):
    """The subject exists but has no such (live) version."""

    http_status, error_code = 404, ErrorCode.VERSION_NOT_FOUND

    def __init__(self, subject: str, version: int | str) -> None:
        self.subject, self.version = subject, version
        super().__init__(
            f"Version {version} not found for subject '{subject}'",
            hint=f"list the versions with GET /subjects/{subject}/versions",
        )


class SchemaNotFoundError(RegistryError):
    """No schema has that id, or the schema is not registered under the subject."""

    http_status, error_code = 404, ErrorCode.SCHEMA_NOT_FOUND


class SubjectSoftDeletedError(RegistryError):
    """A soft delete of a subject whose versions are already all soft-deleted."""

    http_status, error_code = 404, ErrorCode.SUBJECT_SOFT_DELETED

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"Subject '{subject}' was soft deleted", hint="set permanent=true to delete it permanently"
        )


class SubjectNotSoftDeletedError(RegistryError):
    """A permanent delete of a subject that was not soft-deleted first."""

    http_status, error_code = 404, ErrorCode.SUBJECT_NOT_SOFT_DELETED

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"Subject '{subject}' was not deleted first before being permanently deleted",
            hint="soft-delete it (without permanent=true) first",
        )


class VersionSoftDeletedError(RegistryError):
    """A soft delete of a version that is already soft-deleted."""

    http_status, error_code = 404, ErrorCode.VERSION_SOFT_DELETED

    def __init__(self, subject: str, version: int) -> None:
        self.subject, self.version = subject, version
        super().__init__(
            f"Subject '{subject}' version {version} was soft deleted",
            hint="set permanent=true to delete it permanently",
        )


class VersionNotSoftDeletedError(RegistryError):
    """A permanent delete of a version that was not soft-deleted first."""

    http_status, error_code = 404, ErrorCode.VERSION_NOT_SOFT_DELETED

    def __init__(self, subject: str, version: int) -> None:
        self.subject, self.version = subject, version
        super().__init__(
            f"Subject '{subject}' version {version} was not deleted first before being permanently deleted",
            hint="soft-delete it (without permanent=true) first",
        )


class SubjectCompatibilityNotSetError(RegistryError):
    """GET /config/{subject} for a subject without its own level (and no defaultToGlobal)."""

    http_status, error_code = 404, ErrorCode.SUBJECT_COMPATIBILITY_NOT_SET

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"Subject '{subject}' does not have subject-level compatibility configured",
            hint="pass defaultToGlobal=true to get the level that applies",
        )


class SubjectModeNotSetError(RegistryError):
    """GET /mode/{subject} for a subject without its own mode (and no defaultToGlobal)."""

    http_status, error_code = 404, ErrorCode.SUBJECT_MODE_NOT_SET

    def __init__(self, subject: str) -> None:
        self.subject = subject
        super().__init__(
            f"Subject '{subject}' does not have subject-level mode configured",
            hint="pass defaultToGlobal=true to get the mode that applies",
        )


class MalformedRequestError(RegistryError):
    """The request body is not valid JSON."""

    http_status, error_code = 400, ErrorCode.MALFORMED_REQUEST


class IncompatibleError(RegistryError):
    """A schema breaks the subject's compatibility level; `messages` lists each problem."""

    http_status, error_code = 409, ErrorCode.INCOMPATIBLE_SCHEMA

    def __init__(self, subject: str, level: str, messages: list[str]) -> None:
        self.subject, self.level, self.messages = subject, level, tuple(messages)
        super().__init__(
            f"Schema being registered is incompatible with an earlier schema for subject '{subject}' "
            f"(level {level}): " + "; ".join(messages),
            hint="make the change compatible as the messages suggest, or publish it under a new major version",
        )


class UnprocessableRequestError(RegistryError):
    """The body is JSON but not of the expected shape (missing or wrongly typed field)."""

    http_status, error_code = 422, ErrorCode.UNPROCESSABLE


class InvalidSchemaError(RegistryError):
    """The schema is not valid Avro, has an unsupported type, or a reference cannot be resolved."""

    http_status, error_code = 422, ErrorCode.INVALID_SCHEMA


class SchemaTooLargeError(InvalidSchemaError):
    """A valid schema whose `_schemas` record would be over what Kafka accepts: refused before any write."""

    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(
            f"Schema too large: its record on the registry's log would be {size:,} bytes, over the "
            f"{limit:,} bytes a Kafka record can hold",
            hint="split it into smaller schemas joined by references, or shorten its docs",
        )


class RequestTooLargeError(RegistryError):
    """A request body over the registry's cap: refused before it is read."""

    http_status, error_code = 413, ErrorCode.REQUEST_TOO_LARGE

    def __init__(self, size: int | None, limit: int) -> None:
        self.size, self.limit = size, limit
        got = "more" if size is None else f"{size:,} bytes"
        super().__init__(
            f"Request body too large: {got}, over the limit of {limit:,} bytes",
            hint="send a smaller body; a schema must fit in one Kafka record (about 1 MB)",
        )


class InvalidVersionError(RegistryError):
    """A version that is neither a positive 32-bit integer nor `latest`."""

    http_status, error_code = 422, ErrorCode.INVALID_VERSION

    def __init__(self, version: str) -> None:
        self.version = version
        super().__init__(
            f"The specified version '{version}' is not a valid version id",
            hint='allowed values are between [1, 2^31-1] and the string "latest"',
        )


class InvalidCompatibilityLevelError(RegistryError):
    """An unknown compatibility level."""

    http_status, error_code = 422, ErrorCode.INVALID_COMPATIBILITY_LEVEL

    def __init__(self, level: object, valid: list[str]) -> None:
        self.level = level
        super().__init__(
            f"Invalid compatibility level {level!r}", hint=f"valid values are {', '.join(valid)}"
        )


class InvalidModeError(RegistryError):
    """An unknown mode."""

    http_status, error_code = 422, ErrorCode.INVALID_MODE

    def __init__(self, mode: object, valid: list[str]) -> None:
        self.mode = mode
        super().__init__(f"Invalid mode {mode!r}", hint=f"valid values are {', '.join(valid)}")


class OperationNotPermittedError(RegistryError):
    """The subject's mode forbids the operation (READONLY, or IMPORT rules)."""

    http_status, error_code = 422, ErrorCode.OPERATION_NOT_PERMITTED


class ReferenceExistsError(RegistryError):
    """Deleting a version that other schemas reference."""

    http_status, error_code = 422, ErrorCode.REFERENCE_EXISTS

    def __init__(self, subject: str, version: int, referenced_by: list[int]) -> None:
        self.subject, self.version, self.referenced_by = subject, version, tuple(referenced_by)
        super().__init__(
            f"One or more references exist to subject '{subject}' version {version}: schema ids "
            + ", ".join(str(i) for i in referenced_by),
            hint="delete the referencing schemas first",
        )


class IdConflictError(RegistryError):
    """Import mode: the requested id already belongs to a different schema (or the schema to another id)."""

    http_status, error_code = 422, ErrorCode.ID_CONFLICT


class StoreError(RegistryError):
    """The `_schemas` log could not be written or read."""

    http_status, error_code = 500, ErrorCode.STORE_ERROR


class StoreTimeoutError(RegistryError):
    """A write was not confirmed by the `_schemas` log in time."""

    http_status, error_code = 500, ErrorCode.STORE_TIMEOUT


class AuthenticationRequiredError(RegistryError):
    """No credentials, an unknown user or a wrong password (HTTP 401, 40101)."""

    http_status, error_code = 401, ErrorCode.AUTHENTICATION_REQUIRED


class AccessDeniedError(RegistryError):
    """An authenticated principal asked for something it may not do (HTTP 403, 40301)."""

    http_status, error_code = 403, ErrorCode.ACCESS_DENIED
