"""JSON records to Avro-ready Python values: what `mesh produce` reads from stdin before encoding.

JSON has no decimals, dates, timestamps or bytes; Avro's logical types need them. `from_json` walks
the schema and converts where JSON text or numbers stand for them (decimal "12.30" or 12.3, date
"2026-11-02", timestamps in RFC 3339, bytes as base64). Everything else passes through unchanged, so
the encoder still reports any value that does not fit. Pure.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

_PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})


def from_json(schema: Any, value: Any) -> Any:
    """Convert one JSON value to the Python value the Avro encoder expects for `schema`."""
    return _Converter(schema).convert(schema, value)


class _Converter:
    def __init__(self, root: Any) -> None:
        self._named: dict[str, Any] = {}
        self._collect(root, None)

    def _collect(self, schema: Any, namespace: str | None) -> None:
        if isinstance(schema, list):
            for branch in schema:
                self._collect(branch, namespace)
        elif isinstance(schema, dict):
            kind = schema.get("type")
            if kind in ("record", "error", "enum", "fixed") and "name" in schema:
                space = schema.get("namespace", namespace)
                name = schema["name"]
                full = name if "." in name or not space else f"{space}.{name}"
                self._named[full] = schema
                self._named.setdefault(name, schema)
                for field in schema.get("fields", ()):
                    self._collect(field.get("type"), full.rpartition(".")[0] or None)
            elif kind == "array":
                self._collect(schema.get("items"), namespace)
            elif kind == "map":
                self._collect(schema.get("values"), namespace)
            elif isinstance(kind, dict | list):
                self._collect(kind, namespace)

    def convert(self, schema: Any, value: Any) -> Any:
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return _bytes(value) if schema == "bytes" else value
            named = self._named.get(schema)
            return self.convert(named, value) if named is not None else value
        if isinstance(schema, list):
            return self._union(schema, value)
        if not isinstance(schema, dict):
            return value
        logical, kind = schema.get("logicalType"), schema.get("type")
        if logical is not None:
            return _logical(logical, kind, value)
        if kind in ("record", "error") and isinstance(value, Mapping):
            fields = {f["name"]: f["type"] for f in schema.get("fields", ())}
            return {k: self.convert(fields[k], v) if k in fields else v for k, v in value.items()}
        if kind == "array" and isinstance(value, list):
            return [self.convert(schema.get("items"), item) for item in value]
        if kind == "map" and isinstance(value, Mapping):
            return {k: self.convert(schema.get("values"), v) for k, v in value.items()}
        if kind == "bytes" or kind == "fixed":
            return _bytes(value)
        if isinstance(kind, dict | list | str):
            return self.convert(kind, value)
        return value

    def _union(self, branches: list[Any], value: Any) -> Any:
        if value is None:
            return None
        # Avro's JSON encoding wraps union values as {"type name": value}; plain values are accepted too.
        if isinstance(value, Mapping) and len(value) == 1:
            (name, inner), = value.items()
            for branch in branches:
                if _type_name(branch) == name:
                    return self.convert(branch, inner)
        for branch in branches:
            if branch != "null":
                converted = self.convert(branch, value)
                if converted is not value or not isinstance(value, str):
                    return converted
        return value


def _type_name(schema: Any) -> str | None:
    if isinstance(schema, str):
        return schema
    if isinstance(schema, dict):
        name = schema.get("name")
        return str(name) if name else str(schema.get("type"))
    return None


def _logical(logical: str, kind: Any, value: Any) -> Any:
    try:
        if logical == "decimal" and isinstance(value, str | int | float):
            return decimal.Decimal(str(value))
        if logical == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if logical.startswith("timestamp") and isinstance(value, str):
            return dt.datetime.fromisoformat(value)
        if logical.startswith("time-") and isinstance(value, str):
            return dt.time.fromisoformat(value)
    except (ValueError, decimal.InvalidOperation):
        return value  # the encoder names the field and the type it expected
    if kind == "bytes" or kind == "fixed":
        return _bytes(value)
    return value


def _bytes(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            return value.encode("latin-1", "replace")  # Avro's own JSON encoding of bytes
    return value
