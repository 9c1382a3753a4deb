"""The Confluent wire format, and nothing else: magic byte 0, 4-byte big-endian schema id, Avro body.

Pure functions, no Kafka client, no registry. Anything that is not a well-formed frame raises
`FramingError` showing what was seen (never a bare `struct.error` or `IndexError`).
"""

from __future__ import annotations

from mesh.core.errors import FramingError

MAGIC_BYTE = 0
HEADER_SIZE = 5
_MAX_SCHEMA_ID = 0xFFFFFFFF


def frame_prefix(schema_id: int) -> bytes:
    """The 5 bytes every frame of `schema_id` starts with; producers compute it once and reuse it."""
    if not 0 <= schema_id <= _MAX_SCHEMA_ID:
        raise ValueError(f"schema id {schema_id} does not fit in 4 unsigned bytes")
    return bytes((MAGIC_BYTE,)) + schema_id.to_bytes(4, "big")


def frame(schema_id: int, body: bytes) -> bytes:
    """Frame an Avro body written with schema `schema_id`."""
    return frame_prefix(schema_id) + body


def _describe(payload: bytes | memoryview) -> str:
    head = bytes(payload[:8])
    more = "..." if len(payload) > 8 else ""
    return f"{len(payload)} byte(s) starting {head.hex(' ') or '(empty)'}{more}"


def _framing_error(what: str, payload: bytes | memoryview) -> FramingError:
    return FramingError(
        f"Not a Confluent wire-format payload: {what}; saw {_describe(payload)}",
        hint="the value must be magic byte 0, a 4-byte big-endian schema id, then the Avro body "
        "(written by a Confluent-compatible Avro serializer)",
    )


def schema_id_of(payload: bytes | memoryview) -> int:
    """The schema id of a frame; `FramingError` for a wrong magic byte or a payload shorter than 5 bytes."""
    if len(payload) < HEADER_SIZE:
        raise _framing_error(f"truncated payload, need at least {HEADER_SIZE} bytes", payload)
    if payload[0] != MAGIC_BYTE:
        raise _framing_error(f"magic byte is {payload[0]}, expected {MAGIC_BYTE}", payload)
    return int.from_bytes(payload[1:HEADER_SIZE], "big")


def unframe(payload: bytes | memoryview) -> tuple[int, memoryview]:
    """Split a frame into (schema id, body view); the body is a zero-copy view of `payload`."""
    schema_id = schema_id_of(payload)
    return schema_id, memoryview(payload)[HEADER_SIZE:]
