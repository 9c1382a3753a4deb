"""Turning what callers hand us (schema dict, JSON text, fastavro-parsed schema) into fastavro's parsed form.

Both the generators and the fastavro fallback work on fastavro's parsed schema, so that "what fastavro
would do" is always computed on exactly the schema fastavro itself would use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import fastavro
from fastavro.schema import extract_logical_type, extract_record_type

from mesh.core.errors import SchemaParseError

Schema = Mapping[str, Any] | Sequence[Any] | str
"""An Avro schema as JSON-like data, JSON text, a primitive type name or a fastavro-parsed schema."""

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED = frozenset({"record", "error", "enum", "fixed"})


def _load(schema: Schema) -> Any:
    if isinstance(schema, str):
        text = schema.strip()
        if text[:1] in ('{', '[', '"'):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise SchemaParseError(f"schema text is not valid JSON: {exc}",
                                       hint="pass the .avsc content or a parsed dict") from exc
        return text
    return schema


def parse(schema: Schema, named: dict[str, Any] | None = None) -> Any:
    """Parse with fastavro (no-op for an already parsed schema), registering named types in `named`."""
    loaded = _load(schema)
    try:
        if named is None:
            return fastavro.parse_schema(loaded)
        return fastavro.parse_schema(loaded, named)
    except Exception as exc:  # fastavro raises several unrelated types for bad schemas
        raise SchemaParseError(f"not a valid Avro schema: {exc}",
                               hint="check the schema against the Avro specification") from exc


def named_types(parsed: Any) -> dict[str, Any]:
    """Full name -> definition of every named type in a parsed schema."""
    found: dict[str, Any] = {}
    if isinstance(parsed, dict) and "__named_schemas" in parsed:
        found.update(parsed["__named_schemas"])

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("type")
            if kind in NAMED and "name" in node:
                found.setdefault(node["name"], node)
            if kind in ("record", "error"):
                for field in node.get("fields", ()):
                    walk(field["type"])
            elif kind == "array":
                walk(node["items"])
            elif kind == "map":
                walk(node["values"])

    walk(parsed)
    return found


def type_of(node: Any) -> str:
    """The Avro type name of a parsed schema node ('union' for lists, the full name for references)."""
    return str(extract_record_type(node))


def logical_key(node: Any) -> str | None:
    """fastavro's logical-type key such as 'bytes-decimal' or 'long-timestamp-millis', or None."""
    if isinstance(node, dict) and "logicalType" in node:
        key = extract_logical_type(node)
        return str(key) if key else None
    return None


def describe(node: Any) -> str:
    """A short human name for a schema node, used as `expected` in validation errors."""
    if isinstance(node, list):
        return "union[" + ", ".join(describe(branch) for branch in node) + "]"
    if isinstance(node, str):
        return node
    kind = node.get("type")
    logical = node.get("logicalType")
    if logical == "decimal":
        return f"decimal({node.get('precision')},{node.get('scale', 0)})"
    if logical:
        return str(logical)
    if kind in NAMED:
        if kind == "enum":
            return f"enum {node['name']} {{{', '.join(node['symbols'])}}}"
        if kind == "fixed":
            return f"fixed {node['name']}[{node['size']}]"
        return f"record {node['name']}"
    if kind == "array":
        return f"array<{describe(node['items'])}>"
    if kind == "map":
        return f"map<{describe(node['values'])}>"
    return describe(kind) if isinstance(kind, (str, list, dict)) else str(kind)


def null_in(field_type: Any) -> bool:
    """fastavro writes a missing record field as None when this holds (and it has no default)."""
    # literally fastavro's test (`"null" in field_type`), substring semantics for names included
    try:
        return "null" in field_type
    except TypeError:
        return False
