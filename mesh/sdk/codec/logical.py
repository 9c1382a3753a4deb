"""Logical-type conversions for generated codecs: fastavro's exact arithmetic, minus its per-call overhead.

Each fast path covers the common input (aware datetime, date, Decimal at the schema's scale) with
arithmetic proven equal to fastavro's; every other input goes to fastavro's own converter, so results
never differ. Readers reproduce fastavro's formulas (epoch + timedelta, fromordinal, decimal context).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from fastavro.logical_readers import LOGICAL_READERS
from fastavro.logical_writers import LOGICAL_WRITERS

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
DAYS_SHIFT = datetime.date(1970, 1, 1).toordinal()
_ONE_MS = datetime.timedelta(milliseconds=1)
_ONE_US = datetime.timedelta(microseconds=1)


def _timestamp_writer(unit: datetime.timedelta, key: str, node: Any) -> Callable[[Any], Any]:
    fallback = LOGICAL_WRITERS[key]
    dt, epoch = datetime.datetime, EPOCH

    def prepare(value: Any) -> Any:
        # aware datetimes: fastavro's (days, seconds, micros) sum floors to the unit, as `//` does
        if type(value) is dt and value.tzinfo is not None:
            return (value - epoch) // unit
        return fallback(value, node)  # ints, naive datetimes (local time via mktime), subclasses

    return prepare


def _date_writer(node: Any) -> Callable[[Any], Any]:
    fallback, date, shift = LOGICAL_WRITERS["int-date"], datetime.date, DAYS_SHIFT

    def prepare(value: Any) -> Any:
        if type(value) is date:
            return value.toordinal() - shift
        return fallback(value, node)

    return prepare


def _bytes_decimal_writer(node: Any) -> Callable[[Any], Any]:
    fallback = LOGICAL_WRITERS["bytes-decimal"]
    scale, precision = int(node.get("scale", 0)), int(node["precision"])
    quantum = decimal.Decimal(1).scaleb(-scale)
    exact = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
    limit, dec = 10**precision, decimal.Decimal

    def prepare(value: Any) -> Any:
        # the exponent equals -scale: fastavro's digits * 10**0 is the scaled integer, computed exactly
        if type(value) is dec and value.same_quantum(quantum):
            unscaled = int(value.scaleb(scale, exact))
            if -limit < unscaled < limit:
                size = (abs(unscaled).bit_length() + 8) // 8
                return unscaled.to_bytes(size, "big", signed=True)
        return fallback(value, node)  # other exponents, NaN, too many digits: fastavro decides

    return prepare


def _uuid_writer(node: Any) -> Callable[[Any], Any]:
    fallback = LOGICAL_WRITERS["string-uuid"]

    def prepare(value: Any) -> Any:
        return value if type(value) is str else fallback(value, node)

    return prepare


def writer_for(key: str, node: Any) -> Callable[[Any], Any]:
    """value -> what fastavro writes for logical type `key` (e.g. 'bytes-decimal') of schema `node`."""
    if key == "long-timestamp-millis":
        return _timestamp_writer(_ONE_MS, key, node)
    if key == "long-timestamp-micros":
        return _timestamp_writer(_ONE_US, key, node)
    if key == "int-date":
        return _date_writer(node)
    if key == "bytes-decimal" and "precision" in node:
        return _bytes_decimal_writer(node)
    if key == "string-uuid":
        return _uuid_writer(node)
    fallback = LOGICAL_WRITERS[key]
    return lambda value: fallback(value, node)


_new_uuid, _set = object.__new__, object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown


def _read_uuid(text: str) -> uuid.UUID:
    # the canonical 36-character form, built without UUID.__init__'s argument juggling; anything else
    # (braces, urn: prefix, bad text) goes through uuid.UUID itself, as fastavro does
    digits = text.replace("-", "")
    if len(digits) == 32 and len(text) == 36:
        try:
            value = int(digits, 16)
        except ValueError:
            return uuid.UUID(text)
        made = _new_uuid(uuid.UUID)
        _set(made, "int", value)
        _set(made, "is_safe", _UNKNOWN)
        return made
    return uuid.UUID(text)


def reader_for(key: str, writer: Any, reader: Any) -> Callable[[Any], Any]:
    """raw value -> what fastavro's schemaless_reader returns for logical type `key`."""
    # timedelta(0, 0, us) is timedelta(microseconds=us), without keyword parsing
    if key == "long-timestamp-millis":
        epoch, td = EPOCH, datetime.timedelta
        return lambda raw: epoch + td(0, 0, raw * 1000)
    if key == "long-timestamp-micros":
        epoch, td = EPOCH, datetime.timedelta
        return lambda raw: epoch + td(0, 0, raw)
    if key == "int-date":
        fromordinal, shift = datetime.date.fromordinal, DAYS_SHIFT
        return lambda raw: fromordinal(raw + shift)
    if key in ("bytes-decimal", "fixed-decimal") and "precision" in writer:
        context = decimal.Context(prec=int(writer["precision"]))
        scale = -int(writer.get("scale", 0))
        create, from_bytes = context.create_decimal, int.from_bytes
        return lambda raw: create(from_bytes(raw, "big", signed=True)).scaleb(scale, context)
    if key == "string-uuid":
        return _read_uuid
    fallback = LOGICAL_READERS[key]
    return lambda raw: fallback(raw, writer, reader)


Bind = Callable[[Any, str], str]
"""Binds a constant into generated code and returns the name that refers to it (`Source.const`)."""


def inline_writer(key: str, node: Any, bind: Bind, v: str) -> str | None:
    """A generated-code expression equal to `writer_for(key, node)(v)`, without a call of ours; or None."""
    fallback = f"{bind(LOGICAL_WRITERS[key], 'lwf')}({v}, {bind(node, 'node')})" if key in LOGICAL_WRITERS else ""
    if key in ("long-timestamp-millis", "long-timestamp-micros"):
        unit = bind(_ONE_MS if key == "long-timestamp-millis" else _ONE_US, "unit")
        dt = bind(datetime.datetime, "datetime")
        return f"({v} - {bind(EPOCH, 'EPOCH')}) // {unit} if type({v}) is {dt} and {v}.tzinfo is not None else {fallback}"
    if key == "int-date":
        return f"{v}.toordinal() - {DAYS_SHIFT} if type({v}) is {bind(datetime.date, 'date')} else {fallback}"
    if key == "string-uuid":
        return f"{v} if type({v}) is str else {fallback}"
    if key == "bytes-decimal" and "precision" in node:
        # exponent == -scale (same_quantum) makes value * 10**scale the integer n * (10**scale // d)
        # exactly; its two's-complement bytes are sized on abs() as fastavro sizes them
        scale, precision = int(node.get("scale", 0)), int(node["precision"])
        quantum = bind(decimal.Decimal(1).scaleb(-scale), "quantum")
        u, r = f"{v}u", f"{v}r"
        # (a non-negative value has a zero top bit at that size: unsigned bytes are the same bytes)
        return (f"({u}.to_bytes(({u}.bit_length() + 8) // 8, 'big') if {u} >= 0 else "
                f"{u}.to_bytes(((-{u}).bit_length() + 8) // 8, 'big', signed=True)) "
                f"if type({v}) is {bind(decimal.Decimal, 'Decimal')} and {v}.same_quantum({quantum}) "
                f"and -{10**precision} < ({u} := ({r} := {v}.as_integer_ratio())[0] * ({10**scale} // {r}[1])) "
                f"< {10**precision} else {fallback}")
    return None


def inline_reader(key: str, writer: Any, bind: Bind, raw: str) -> str | None:
    """A generated-code expression equal to `reader_for(key, writer, ...)(raw)`, without a call of ours; or None."""
    if key in ("long-timestamp-millis", "long-timestamp-micros"):
        micros = f"{raw} * 1000" if key == "long-timestamp-millis" else raw
        return f"{bind(EPOCH, 'EPOCH')} + {bind(datetime.timedelta, 'timedelta')}(0, 0, {micros})"
    if key == "int-date":
        return f"{bind(datetime.date.fromordinal, 'fromordinal')}({raw} + {DAYS_SHIFT})"
    if key in ("bytes-decimal", "fixed-decimal") and "precision" in writer:
        context = decimal.Context(prec=int(writer["precision"]))
        unscaled = f"{bind(int.from_bytes, 'from_bytes')}({raw}, 'big', signed=True)"
        scale = -int(writer.get("scale", 0))
        return f"{bind(context.create_decimal, 'create')}({unscaled}).scaleb({scale}, {bind(context, 'ctx')})"
    return None
