"""Schema fields as the catalog shows them: a flat table, a diff of two versions, masked samples.

Pure functions over Avro schema dicts and a product's classification map (dotted field path ->
public/internal/confidential/pii/phi; a record's classification covers its fields).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MASKED = frozenset({"pii", "phi"})
"""Classifications whose values the catalog never shows."""


@dataclass(frozen=True, slots=True)
class FieldRow:
    """One field of a schema: dotted path, readable type, doc, default and classification."""

    path: str
    type: str
    doc: str
    default: str
    classification: str


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions of a schema at a field path."""

    path: str
    kind: str  # added, removed, changed
    before: str
    after: str


def type_text(avro: Any) -> str:
    """A compact readable Avro type: `string`, `null | double`, `array<Diagnosis>`, `long (timestamp-millis)`."""
    if isinstance(avro, list):
        return " | ".join(type_text(branch) for branch in avro)
    if isinstance(avro, dict):
        kind = avro.get("type")
        if "logicalType" in avro:
            return f"{type_text(kind)} ({avro['logicalType']})"
        if kind == "array":
            return f"array<{type_text(avro['items'])}>"
        if kind == "map":
            return f"map<{type_text(avro['values'])}>"
        if kind in ("record", "enum", "fixed"):
            return str(avro.get("name", kind))
        return type_text(kind)
    return str(avro)


def _records(avro: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(avro, list):
        for branch in avro:
            yield from _records(branch)
    elif isinstance(avro, dict):
        if avro.get("type") == "record":
            yield avro
        elif avro.get("type") == "array":
            yield from _records(avro["items"])
        elif avro.get("type") == "map":
            yield from _records(avro["values"])


def classification_of(path: str, classification: Mapping[str, str]) -> str:
    """The classification of a dotted path: its own, else the nearest enclosing record's, else ''."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        found = classification.get(".".join(parts[:end]))
        if found:
            return found
    return ""


def rows(schema: Mapping[str, Any], classification: Mapping[str, str], prefix: str = "") -> list[FieldRow]:
    """Every field of a record schema, nested records flattened to dotted paths."""
    out: list[FieldRow] = []
    for field in schema.get("fields", []):
        path = f"{prefix}{field['name']}"
        default = "" if "default" not in field else json.dumps(field["default"])
        out.append(FieldRow(path, type_text(field["type"]), str(field.get("doc", "")), default,
                            classification_of(path, classification)))
        for inner in _records(field["type"]):
            out.extend(rows(inner, classification, f"{path}."))
    return out


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """What changed from `old` to `new`, field by field (type, default and doc count as changes)."""
    before = {r.path: r for r in rows(old, {})}
    after = {r.path: r for r in rows(new, {})}
    changes: list[Change] = []
    for path in sorted(before.keys() | after.keys(), key=lambda p: (p.split("."), p)):
        a, b = before.get(path), after.get(path)
        if a is None and b is not None:
            changes.append(Change(path, "added", "", _describe(b)))
        elif b is None and a is not None:
            changes.append(Change(path, "removed", _describe(a), ""))
        elif a is not None and b is not None and (a.type, a.default, a.doc) != (b.type, b.default, b.doc):
            changes.append(Change(path, "changed", _describe(a), _describe(b)))
    return changes


def _describe(row: FieldRow) -> str:
    text = row.type + (f" = {row.default}" if row.default else "")
    return f"{text} — {row.doc}" if row.doc else text


def mask(data: Any, classification: Mapping[str, str], prefix: str = "") -> Any:
    """`data` with every pii/phi value (by its field path) replaced by a placeholder naming the class."""
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for name, value in data.items():
            path = f"{prefix}{name}"
            level = classification_of(path, classification)
            out[name] = f"••• ({level})" if level in MASKED and value is not None else mask(
                value, classification, f"{path}.")
        return out
    if isinstance(data, list):
        return [mask(item, classification, prefix) for item in data]
    return data
