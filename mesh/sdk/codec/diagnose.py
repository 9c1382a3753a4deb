"""Finding where data breaks its schema, for the encoder's failure path only.

`find_problem` walks data and schema together with fastavro's validation rules (the same acceptance
fastavro's writer relies on) and returns the first problem with its field path such as
`Claim.lines[2].amount` and the expected type such as `decimal(12,2)`. It never runs on the happy path.
"""

from __future__ import annotations

import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastavro.logical_writers import LOGICAL_WRITERS
from fastavro.validation import _validate

from mesh.sdk.codec.schema import describe, logical_key, type_of


@dataclass(frozen=True)
class Problem:
    """Where data breaks its schema: field path, expected Avro type, and what was found."""

    path: str
    expected: str
    found: str


_INT_BOUNDS = {"int": (-(1 << 31), (1 << 31) - 1), "long": (-(1 << 63), (1 << 63) - 1)}
_MISSING = object()


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing (the field is missing and has no default)"
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + '...' if len(text) > 60 else text}"


def _primitive_ok(kind: str, value: Any) -> bool:
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "bytes":
        return isinstance(value, (bytes, bytearray))
    if kind in _INT_BOUNDS:
        low, high = _INT_BOUNDS[kind]
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    import numbers

    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def find_problem(value: Any, node: Any, named: dict[str, Any], path: str) -> Problem | None:
    """The first place where `value` does not fit `node`, or None when fastavro would accept it."""
    if isinstance(node, str) and node in named:
        return find_problem(value, named[node], named, path)
    if isinstance(node, list):
        return _union_problem(value, node, named, path)
    kind = type_of(node)
    key = logical_key(node)
    if key in LOGICAL_WRITERS:
        try:
            value = LOGICAL_WRITERS[key](None if value is _MISSING else value, node)
        except Exception as exc:  # noqa: BLE001 - fastavro's converters raise many types; all mean "bad value"
            return Problem(path, describe(node), f"{_show(value)} ({exc})")
    if kind in ("record", "error"):
        return _record_problem(value, node, named, path)
    if kind == "enum":
        if value in node["symbols"]:
            return None
    elif kind == "fixed":
        if isinstance(value, bytes) and len(value) == node["size"]:
            return None
    elif kind == "array":
        if isinstance(value, (Sequence, array.array)) and not isinstance(value, (str, bytes, bytearray)):
            for i, item in enumerate(value):
                found = find_problem(item, node["items"], named, f"{path}[{i}]")
                if found:
                    return found
            return None
    elif kind == "map":
        if isinstance(value, Mapping):
            for k, item in value.items():
                if not isinstance(k, str):
                    return Problem(f"{path}[{k!r}]", "string map key", _show(k))
                found = find_problem(item, node["values"], named, f"{path}[{k!r}]")
                if found:
                    return found
            return None
    elif _primitive_ok(kind, value):
        return None
    return Problem(path, describe(node), _show(value))


def _record_problem(value: Any, node: Mapping[str, Any], named: dict[str, Any], path: str) -> Problem | None:
    if not isinstance(value, Mapping):
        return Problem(path, describe(node), _show(value))
    for field in node["fields"]:
        name = field["name"]
        field_value = value.get(name, field.get("default", _MISSING))
        if field_value is _MISSING and _validate(None, field["type"], named, "", False, {}):
            continue  # fastavro writes a missing nullable field as null
        found = find_problem(field_value, field["type"], named, f"{path}.{name}")
        if found:
            return found
    return None


def _union_problem(value: Any, branches: list[Any], named: dict[str, Any], path: str) -> Problem | None:
    if isinstance(value, tuple) and len(value) == 2:
        name, inner = value
        for branch in branches:
            branch_name = branch.get("name", type_of(branch)) if isinstance(branch, dict) else type_of(branch)
            if branch_name == name:
                return find_problem(inner, branch, named, path)
        return Problem(path, describe(branches), f"a value for branch {name!r}, which the union lacks")
    candidate = None if value is _MISSING else value
    if any(_validate(candidate, branch, named, "", False, {}) for branch in branches):
        return None
    # one non-null branch: descend so the path points at the offending nested field
    non_null = [b for b in branches if type_of(b) != "null"]
    if len(non_null) == 1 and value is not None and value is not _MISSING:
        return find_problem(value, non_null[0], named, path)
    return Problem(path, describe(branches), _show(value))


def root_path(node: Any) -> str:
    """The name a path starts with: the record's short name, else the type name."""
    if isinstance(node, dict) and "name" in node:
        return str(node["name"]).rsplit(".", 1)[-1]
    return describe(node) if not isinstance(node, list) else "value"
