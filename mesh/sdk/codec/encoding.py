"""`compile_encoder`: the fast generated encoder, with diagnosis and the fastavro fallback on failure.

Happy path: one call into generated code, no validation pass. Failure path (the generated code raised):
find the offending field with fastavro's acceptance rules and raise `DataValidationError`; when the data
is in fact acceptable (a case the generated code does not cover, such as a float too large for a
32-bit float), let fastavro write it, so the result is always fastavro's bytes.
"""

from __future__ import annotations

import enum
import io
import logging
from collections.abc import Callable, Mapping
from typing import Any

import fastavro

from mesh.core.errors import DataValidationError
from mesh.sdk.codec.diagnose import find_problem, root_path
from mesh.sdk.codec.encoder_gen import generate_encoder
from mesh.sdk.codec.native import native_encoder
from mesh.sdk.codec.schema import Schema, describe, named_types, parse

log = logging.getLogger(__name__)

Encoder = Callable[[Mapping[str, Any]], bytes]
"""Avro binary body of one datum (no framing)."""


def to_plain(data: Any) -> Any:
    """Pydantic models (anything with `model_dump`) to plain dicts, with enum members as their values."""
    if hasattr(data, "model_dump"):
        return _plain_values(data.model_dump(by_alias=True))
    return data


def _plain_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_values(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def fastavro_encode(parsed: Any, data: Any) -> bytes:
    """fastavro's schemaless writer: the reference our bytes must equal, and the fallback."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, parsed, data)
    return out.getvalue()


class _FailurePath:
    """Everything done only after the generated encoder raised."""

    def __init__(self, parsed: Any, named: dict[str, Any], *, prefix: bytes) -> None:
        self.prefix = prefix
        self.parsed = parsed
        self.named = named
        self.root = root_path(parsed)

    def __call__(self, data: Any, cause: BaseException | None) -> bytes:
        try:
            problem = find_problem(data, self.parsed, self.named, self.root)
        except Exception:  # noqa: BLE001 - data too odd to walk: fastavro below gives the verdict
            problem = None
        if problem is not None:
            field = problem.path[len(self.root) + 1:] if problem.path.startswith(self.root + ".") else "<root>"
            raise DataValidationError(
                f"Data does not match schema {self.root}: field {field!r} expects {problem.expected}, "
                f"got {problem.found} (at {problem.path})",
                path=problem.path,
                expected=problem.expected,
                hint="fix the value (or the schema) so the data matches the schema",
            ) from cause
        try:
            body = fastavro_encode(self.parsed, data)
        except Exception as exc:  # fastavro raises ValueError/TypeError/OverflowError/...
            raise DataValidationError(
                f"{self.root}: data cannot be encoded as {describe(self.parsed)}: {exc}",
                path=self.root,
                expected=describe(self.parsed),
                hint="check the values against the schema",
            ) from exc
        # valid data the generated code does not cover (e.g. a float beyond 32 bits): fastavro wrote it
        log.debug("fastavro encoded %s data the generated encoder rejected: %r", self.root, cause)
        return self.prefix + body


def _native_or_none(parsed: Any, named: dict[str, Any], prefix: bytes) -> Encoder | None:
    try:
        return native_encoder(parsed, named, prefix=prefix)
    except Exception:  # a program gap: the generated Python encoder covers it
        log.warning("no native encoder for schema %s; using the generated one", root_path(parsed), exc_info=True)
        return None


def compile_encoder(schema: Schema, *, prefix: bytes = b"", native: bool = True) -> Encoder:
    """See `compile_encoders`: the safe encoder alone."""
    return compile_encoders(schema, prefix=prefix, native=native)[1]


def compile_encoders(schema: Schema, *, prefix: bytes = b"", native: bool = True) -> tuple[Encoder, Encoder]:
    """A function datum -> Avro body bytes, byte-for-byte equal to fastavro's schemaless_writer.

    `schema` is a JSON-like Avro schema, its JSON text, or a fastavro-parsed schema. The datum may be a
    dict or a pydantic model. Data that does not match raises `DataValidationError` naming the path.
    `prefix` (e.g. the Confluent magic byte and schema id) is written before the body in the same
    join, which saves copying the body once more to frame it.

    Returns (fast, safe). `safe` is the function described above. `fast` is the bare fast path for hot
    loops: dicts only, and any exception it raises (a model, a value of a type it does not take, a
    length of 8 KiB or more, bad data) means "call `safe` with the same data", which converts, retries
    and diagnoses. `fast` is the C encoder of `mesh.sdk.codec.native` when it is built (and `native`
    is true), else the optimistic generated Python encoder; `safe` tries it first too.
    """
    parsed = parse(schema)
    named = named_types(parsed)
    failure = _FailurePath(parsed, named, prefix=bytes(prefix))
    try:
        fast = (native and _native_or_none(parsed, named, prefix)) or generate_encoder(
            parsed, named, prefix=prefix, optimistic=True)
        checked = generate_encoder(parsed, named, prefix=prefix)
    except Exception:  # a generator gap must never block encoding: fastavro covers everything
        log.warning("no generated encoder for schema %s; using fastavro", root_path(parsed), exc_info=True)

        def fallback(data: Any) -> bytes:
            if type(data) is not dict:
                data = to_plain(data)
            try:
                return prefix + fastavro_encode(parsed, data)
            except Exception as exc:  # noqa: BLE001 - diagnosed and re-raised as DataValidationError
                return failure(data, exc)

        return fallback, fallback

    def encode(data: Any) -> bytes:
        if type(data) is not dict:
            data = to_plain(data)
        try:
            return fast(data)
        except Exception:  # noqa: BLE001 - a type the fast path does not take, 8 KiB+ lengths, or bad data
            try:
                return checked(data)
            except Exception as exc:  # noqa: BLE001 - failure path: diagnose, or let fastavro write it
                return failure(data, exc)

    return fast, encode
