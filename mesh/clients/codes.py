"""The Confluent Schema Registry error codes: one enum for the registry server and every client.

Each code is the HTTP status followed by a two-digit detail (`40401` = 404, subject not found);
a few are bare HTTP statuses (`409`, `422`) as Confluent's registry answers them.
"""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """Confluent error codes, as found in `{"error_code": ..., "message": ...}` bodies."""

    MALFORMED_REQUEST = 400
    UNAUTHORIZED = 401
    FORBIDDEN = 403
    AUTHENTICATION_REQUIRED = 40101
    ACCESS_DENIED = 40301
    SUBJECT_NOT_FOUND = 40401
    VERSION_NOT_FOUND = 40402
    SCHEMA_NOT_FOUND = 40403
    SUBJECT_SOFT_DELETED = 40404
    SUBJECT_NOT_SOFT_DELETED = 40405
    VERSION_SOFT_DELETED = 40406
    VERSION_NOT_SOFT_DELETED = 40407
    SUBJECT_COMPATIBILITY_NOT_SET = 40408
    SUBJECT_MODE_NOT_SET = 40409
    INCOMPATIBLE_SCHEMA = 409
    REQUEST_TOO_LARGE = 413
    UNPROCESSABLE = 422
    INVALID_SCHEMA = 42201
    INVALID_VERSION = 42202
    INVALID_COMPATIBILITY_LEVEL = 42203
    INVALID_MODE = 42204
    OPERATION_NOT_PERMITTED = 42205
    REFERENCE_EXISTS = 42206
    ID_CONFLICT = 42207
    STORE_ERROR = 50001
    STORE_TIMEOUT = 50002

    @property
    def http_status(self) -> int:
        """The HTTP status a response with this code carries."""
        return self.value if self.value < 1000 else self.value // 100
