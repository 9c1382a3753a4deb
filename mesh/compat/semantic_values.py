"""Logical types of leaf schemas and what a reader really sees: the example values of semantic findings.

A `Leaf` is a primitive or fixed type with its logical type (only the ones the Avro 1.12
specification defines on that physical type count; others are ignored, as the specification says).
`reads_as(writer, reader)` takes a sample value of the writer's type, turns it into the bytes' meaning
(the physical value), applies Avro's promotion to the reader's physical type and interprets the result
with the READER's logical type, the way a reader that trusts its own schema (Java, Confluent
deserializers with logical types on) decodes it. No I/O, no fastavro: plain arithmetic.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

KNOWN_LOGICAL = frozenset({
    ("bytes", "decimal"), ("fixed", "decimal"), ("string", "uuid"), ("fixed", "uuid"), ("int", "date"),
    ("int", "time-millis"), ("long", "time-micros"), ("long", "timestamp-millis"), ("long", "timestamp-micros"),
    ("long", "timestamp-nanos"), ("long", "local-timestamp-millis"), ("long", "local-timestamp-micros"),
    ("long", "local-timestamp-nanos"), ("fixed", "duration"),
})
"""(physical type, logical type) pairs the specification defines."""

UNITS: Mapping[str, tuple[str, int]] = {
    "timestamp-millis": ("timestamp", 1_000), "timestamp-micros": ("timestamp", 1_000_000),
    "timestamp-nanos": ("timestamp", 1_000_000_000), "local-timestamp-millis": ("local-timestamp", 1_000),
    "local-timestamp-micros": ("local-timestamp", 1_000_000),
    "local-timestamp-nanos": ("local-timestamp", 1_000_000_000),
    "time-millis": ("time", 1_000), "time-micros": ("time", 1_000_000),
}
"""Time logical type -> (family, ticks per second): same family, other unit is a unit change."""

_PROMOTIONS = frozenset({("int", "long"), ("int", "float"), ("int", "double"), ("long", "float"),
                         ("long", "double"), ("float", "double"), ("string", "bytes"), ("bytes", "string")})
_EPOCH = dt.datetime(1970, 1, 1)
_SAMPLE_TIME = dt.datetime(2024, 1, 1, 9, 30)
_SAMPLE_UUID = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")
# Plain (no logical type) samples: values a producer plausibly writes there.
_PLAIN: Mapping[str, Any] = {"int": 20240101, "long": 1704101400, "float": 123.45, "double": 123.45,
                             "string": "123.45", "bytes": b"123.45", "boolean": True, "null": None}


@dataclass(frozen=True)
class Leaf:
    """A primitive or fixed type and its (specified) logical type, with decimal precision and scale."""

    physical: str
    logical: str | None = None
    precision: int = 0
    scale: int = 0
    size: int = 0

    def describe(self) -> str:
        """`bytes (decimal(12, 2))`, `long (timestamp-millis)`, `string`."""
        base = f"fixed({self.size})" if self.physical == "fixed" else self.physical
        if self.logical == "decimal":
            return f"{base} (decimal({self.precision}, {self.scale}))"
        return f"{base} ({self.logical})" if self.logical else base


def leaf_of(kind: str, definition: Any) -> Leaf | None:
    """The `Leaf` of a classified node (`mesh.compat.resolution.classify`), None for complex types."""
    if kind != "fixed" and kind not in _PLAIN:
        return None
    node: Mapping[str, Any] = definition if isinstance(definition, Mapping) else {}
    logical = node.get("logicalType")
    if (kind, logical) not in KNOWN_LOGICAL:
        logical = None
    precision = int(node.get("precision", 0)) if logical == "decimal" else 0
    scale = int(node.get("scale", 0)) if logical == "decimal" else 0
    return Leaf(kind, logical, precision, scale, int(node.get("size", 0)))


def sample(leaf: Leaf) -> tuple[Any, Any]:
    """(the value as a program sees it, the physical value Avro encodes) for a leaf."""
    logical = leaf.logical
    if logical == "decimal":
        unscaled = min(12345, 10 ** max(leaf.precision, 1) - 1)
        size = leaf.size or max(1, (unscaled.bit_length() + 8) // 8)
        return Decimal(unscaled).scaleb(-leaf.scale), unscaled.to_bytes(size, "big", signed=True)
    if logical == "uuid":
        return _SAMPLE_UUID, _SAMPLE_UUID.bytes if leaf.physical == "fixed" else str(_SAMPLE_UUID)
    if logical == "date":
        day = _SAMPLE_TIME.date()
        return day, (day - _EPOCH.date()).days
    if logical is not None and logical in UNITS:
        family, per_second = UNITS[logical]
        if family == "time":
            moment = _SAMPLE_TIME.time()
            seconds = moment.hour * 3600 + moment.minute * 60
            return moment, seconds * per_second
        stamp = _SAMPLE_TIME.replace(tzinfo=dt.UTC) if family == "timestamp" else _SAMPLE_TIME
        return stamp, int((_SAMPLE_TIME - _EPOCH).total_seconds()) * per_second
    if leaf.physical == "fixed":
        value = bytes(leaf.size)
        return value, value
    return _PLAIN[leaf.physical], _PLAIN[leaf.physical]


def _promote(value: Any, writer: str, reader: str) -> Any:
    if writer == reader:
        return value
    if (writer, reader) not in _PROMOTIONS:
        raise TypeError(f"Avro cannot resolve {writer} to {reader}")
    if reader == "string":
        return bytes(value).decode("utf-8", errors="replace")
    if reader == "bytes":
        return str(value).encode("utf-8")
    return float(value)


def interpret(leaf: Leaf, physical: Any) -> Any:
    """What a reader with `leaf` as its type makes of a physical value (raises on impossible values)."""
    logical = leaf.logical
    if logical == "decimal":
        return Decimal(int.from_bytes(physical, "big", signed=True)).scaleb(-leaf.scale)
    if logical == "uuid":
        return uuid.UUID(bytes=physical) if leaf.physical == "fixed" else uuid.UUID(physical)
    if logical == "date":
        return _EPOCH.date() + dt.timedelta(days=physical)
    if logical is not None and logical in UNITS:
        family, per_second = UNITS[logical]
        micros = physical * 1_000_000 // per_second
        if family == "time":
            return (_EPOCH + dt.timedelta(microseconds=micros)).time()
        moment = _EPOCH + dt.timedelta(microseconds=micros)
        return moment.replace(tzinfo=dt.UTC) if family == "timestamp" else moment
    return physical


def render(value: Any) -> str:
    """A value as a person reads it: ISO times, decimals as numbers, text and bytes quoted."""
    if isinstance(value, dt.datetime):
        text = value.replace(tzinfo=None).isoformat(timespec="microseconds")
        return text + ("Z" if value.tzinfo is not None else "")
    if isinstance(value, dt.date | dt.time | uuid.UUID):
        return value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
    if isinstance(value, bytes):
        return "b'" + "".join(f"\\x{byte:02x}" for byte in value) + "'"
    if isinstance(value, float):
        return repr(value)
    return repr(value) if isinstance(value, str) else str(value)


def reads_as(writer: Leaf, reader: Leaf) -> str:
    """`reads 2024-01-01T09:30:00.000000Z as 1970-01-20T17:21:41.400000Z`, or why it cannot."""
    value, physical = sample(writer)
    shown = render(value)
    try:
        promoted = _promote(physical, writer.physical, reader.physical)
    except TypeError:
        if writer.logical == "decimal" and reader.physical in ("float", "double"):
            return (f"cannot decode old data at all (Avro has no {writer.physical} -> {reader.physical} rule); "
                    f"converted by hand, {shown} becomes the double {Decimal(float(value))}: not exact")
        return f"cannot decode {shown} at all: Avro has no {writer.physical} -> {reader.physical} rule"
    try:
        seen = interpret(reader, promoted)
    except OverflowError:
        return f"fails on {shown}: as {reader.describe()} it is {render(promoted)}, out of the reader's range"
    except (ValueError, TypeError) as exc:
        return f"fails on {shown}: as {reader.describe()} it is {render(promoted)}, which is invalid ({exc})"
    if render(physical) != shown:
        shown += f" (written as {render(physical)})"
    if reader.logical is None and writer.logical is not None:
        return f"reads {shown} as the bare {reader.physical} {render(seen)} (its meaning is lost)"
    return f"reads {shown} as {render(seen)}"
