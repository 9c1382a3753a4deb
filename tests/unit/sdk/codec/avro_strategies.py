"""Hypothesis strategies for Avro schemas, data valid for them, and compatible reader schemas.

Schemas nest every type: primitives, logical types, enums, fixed, arrays, maps, unions, records with
defaults, and references to named types defined earlier. `values(schema)` draws data fastavro accepts;
`evolve(schema)` draws a reader schema fastavro can resolve the writer's data into.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import math
import struct
from typing import Any

from hypothesis import strategies as st

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
UTC = datetime.UTC

LOGICAL: list[dict[str, Any]] = [
    {"type": "long", "logicalType": "timestamp-millis"},
    {"type": "long", "logicalType": "timestamp-micros"},
    {"type": "long", "logicalType": "local-timestamp-millis"},
    {"type": "long", "logicalType": "local-timestamp-micros"},
    {"type": "int", "logicalType": "date"},
    {"type": "int", "logicalType": "time-millis"},
    {"type": "long", "logicalType": "time-micros"},
    {"type": "string", "logicalType": "uuid"},
    {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2},
    {"type": "bytes", "logicalType": "decimal", "precision": 30, "scale": 0},
    {"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 4},
]


class _Names:
    def __init__(self) -> None:
        self.count = 0
        self.defined: list[str] = []

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"


_IDENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6)


@st.composite
def schemas(draw: st.DrawFn, max_depth: int = 3) -> dict[str, Any]:
    """A top-level record schema nesting every Avro type."""
    return _record(draw, _Names(), max_depth)


def _node(draw: st.DrawFn, names: _Names, depth: int) -> Any:
    kinds = ["primitive", "logical", "enum", "fixed"]
    if depth > 0:
        kinds += ["array", "map", "union", "record", "optional_record"]
    if names.defined:
        kinds.append("reference")
    kind = draw(st.sampled_from(kinds))
    if kind == "primitive":
        return draw(st.sampled_from(PRIMITIVES))
    if kind == "logical":
        return copy.deepcopy(draw(st.sampled_from(LOGICAL)))
    if kind == "enum":
        symbols = draw(st.lists(st.sampled_from(["A", "B", "C", "D", "E_1", "ZZ"]), min_size=1, max_size=5,
                                unique=True))
        name = names.fresh("E")
        names.defined.append(name)
        return {"type": "enum", "name": name, "symbols": symbols}
    if kind == "fixed":
        name = names.fresh("F")
        names.defined.append(name)
        if draw(st.booleans()):
            return {"type": "fixed", "name": name, "size": 8, "logicalType": "decimal", "precision": 10, "scale": 3}
        return {"type": "fixed", "name": name, "size": draw(st.integers(0, 6))}
    if kind == "array":
        return {"type": "array", "items": _node(draw, names, depth - 1)}
    if kind == "map":
        return {"type": "map", "values": _node(draw, names, depth - 1)}
    if kind == "union":
        return _union(draw, names, depth)
    if kind == "record":
        return _record(draw, names, depth - 1)
    if kind == "optional_record":
        return ["null", _record(draw, names, depth - 1)]
    return draw(st.sampled_from(names.defined))


def _union(draw: st.DrawFn, names: _Names, depth: int) -> list[Any]:
    pool = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
    branches: list[Any] = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4, unique=True))
    if draw(st.booleans()):
        branches.append(_record(draw, names, depth - 1))
    if draw(st.booleans()):
        branches.append({"type": "array", "items": _node(draw, names, 0)})
    if draw(st.booleans()):
        branches.append({"type": "map", "values": "long"})
    return branches


def _record(draw: st.DrawFn, names: _Names, depth: int) -> dict[str, Any]:
    name = names.fresh("R")
    field_names = draw(st.lists(_IDENT, min_size=0, max_size=5, unique=True))
    fields = []
    for field_name in field_names:
        field: dict[str, Any] = {"name": field_name, "type": _node(draw, names, max(depth, 0))}
        default = default_for(field["type"])
        if default is not _NO_DEFAULT and draw(st.booleans()):
            field["default"] = default
        fields.append(field)
    names.defined.append(name)  # after the fields: a record may not contain itself without a union
    return {"type": "record", "name": name, "fields": fields}


_NO_DEFAULT = object()
_SIMPLE_DEFAULTS = {"null": None, "boolean": True, "int": 7, "long": -3, "float": 1.5, "double": -2.25,
                    "string": "dflt"}


def default_for(node: Any) -> Any:
    """A valid Avro default for simple field types, else _NO_DEFAULT."""
    if isinstance(node, str):
        return _SIMPLE_DEFAULTS.get(node, _NO_DEFAULT)
    if isinstance(node, list):
        return None if node[0] == "null" else default_for(node[0]) if isinstance(node[0], str) else _NO_DEFAULT
    if node.get("type") == "enum":
        return node["symbols"][0]
    if node.get("type") == "array":
        return []
    return _NO_DEFAULT


def values(node: Any, named: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Data valid for `node` (`named` maps names of named types to their definitions)."""
    if isinstance(node, str):
        if node in named:
            return values(named[node], named)
        return _PRIMITIVE_VALUES[node]
    if isinstance(node, list):
        return st.one_of([values(branch, named) for branch in node])
    kind, logical = node["type"], node.get("logicalType")
    if "name" in node:
        named[node["name"]] = node
    if logical in _KNOWN_LOGICAL and (logical != "decimal" or kind == "bytes" or "size" in node):
        return _logical_values(node)
    if kind == "enum":
        named[node["name"]] = node
        return st.sampled_from(node["symbols"])
    if kind == "fixed":
        named[node["name"]] = node
        return st.binary(min_size=node["size"], max_size=node["size"])
    if kind == "array":
        return st.lists(values(node["items"], named), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=4), values(node["values"], named), max_size=3)
    if kind == "record":
        named[node["name"]] = node
        required: dict[str, st.SearchStrategy[Any]] = {}
        optional: dict[str, st.SearchStrategy[Any]] = {}
        for f in node["fields"]:  # in document order: later fields may refer to names defined earlier
            (optional if "default" in f else required)[f["name"]] = values(f["type"], named)
        return st.fixed_dictionaries(required, optional=optional)
    return values(kind, named)


_PRIMITIVE_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "null": st.none(),
    "boolean": st.booleans(),
    "int": st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 63, -64, 64, 8191, -8193])),
    "long": st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-20000, 20000)),
    "float": st.floats(width=32),
    "double": st.floats(),
    "bytes": st.binary(max_size=20),
    "string": st.text(max_size=20),
}


_KNOWN_LOGICAL = {"timestamp-millis", "timestamp-micros", "local-timestamp-millis", "local-timestamp-micros",
                  "date", "time-millis", "time-micros", "uuid", "decimal"}


def _logical_values(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    logical = node["logicalType"]
    moments = st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2200, 1, 1))
    if logical in ("timestamp-millis", "timestamp-micros"):
        return st.one_of(moments.map(lambda d: d.replace(tzinfo=UTC)), moments,
                         st.integers(-(2**40), 2**40))
    if logical in ("local-timestamp-millis", "local-timestamp-micros"):
        return st.one_of(moments, st.integers(-(2**40), 2**40))
    if logical == "date":
        return st.one_of(st.dates(), st.integers(-(10**5), 10**5))
    if logical == "time-millis":
        return st.times().map(lambda t: t.replace(microsecond=t.microsecond // 1000 * 1000))
    if logical == "time-micros":
        return st.times()
    if logical == "uuid":
        return st.one_of(st.uuids(), st.uuids().map(str))
    if logical == "decimal":
        precision, scale = node["precision"], node.get("scale", 0)
        limit = 10**precision - 1
        exact = st.integers(-limit, limit).map(lambda n: decimal.Decimal(n).scaleb(-scale))
        coarse = st.integers(-(10 ** max(precision - scale, 0) - 1), 10 ** max(precision - scale, 0) - 1).map(
            decimal.Decimal)
        return st.one_of(exact, coarse)
    raise AssertionError(logical)


def canonical(value: Any) -> Any:
    """A form where equal means identical: floats by bits (NaN), Decimals by text, types included."""
    if isinstance(value, float):
        return ("float", struct.pack("<d", value) if not math.isnan(value) else "nan")
    if isinstance(value, decimal.Decimal):
        return ("Decimal", str(value))
    if isinstance(value, dict):
        return ("dict", [(k, canonical(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [canonical(v) for v in value])
    if isinstance(value, datetime.datetime):
        return ("datetime", value.isoformat(), str(value.tzinfo))
    return (type(value).__name__, value)


@st.composite
def evolve(draw: st.DrawFn, node: Any) -> Any:
    """A reader schema for writer `node` that Avro resolution accepts."""
    return _evolve(draw, copy.deepcopy(node))


_PROMOTIONS = {"int": ["long", "float", "double"], "long": ["float", "double"], "float": ["double"],
               "string": ["bytes"], "bytes": ["string"]}


def _evolve(draw: st.DrawFn, node: Any) -> Any:
    if isinstance(node, str):
        if node in _PROMOTIONS and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(_PROMOTIONS[node]))
        if node != "null" and draw(st.integers(0, 5)) == 0:
            return ["null", node]  # union widening
        return node
    if isinstance(node, list):
        branches = [_evolve_branch(draw, b) for b in node]
        extra = [p for p in ("string", "long", "double", "null") if p not in branches]
        if extra and draw(st.booleans()):
            branches.append(draw(st.sampled_from(extra)))
        return branches
    kind = node["type"]
    if kind == "enum":
        added = [s for s in ["NEW1", "NEW2"] if draw(st.booleans())]
        node["symbols"] = node["symbols"] + added
        return node
    if kind == "array":
        node["items"] = _evolve(draw, node["items"])
        return node
    if kind == "map":
        node["values"] = _evolve(draw, node["values"])
        return node
    if kind == "record":
        # removing or reordering a field that defines a named type would break later references to it
        fields = [f for f in node["fields"] if _defines_names(f["type"]) or draw(st.integers(0, 4)) != 0]
        for field in fields:
            field["type"] = _evolve(draw, field["type"])
            field.pop("default", None)
            if draw(st.integers(0, 4)) == 0:
                field["aliases"] = [field["name"]]
                field["name"] = field["name"] + "_renamed"
        if draw(st.booleans()):
            fields.append({"name": "added_field", "type": ["null", "string"], "default": None})
        if draw(st.booleans()):
            fields.append({"name": "added_list", "type": {"type": "array", "items": "int"}, "default": [1, 2]})
        if not any(_defines_names(f["type"]) for f in fields):
            fields = draw(st.permutations(fields))
        node["fields"] = fields
        return node
    return node


def _evolve_branch(draw: st.DrawFn, node: Any) -> Any:
    # inside unions keep branch types distinct: no promotion or widening of primitives
    if isinstance(node, str):
        return node
    return _evolve(draw, node)


def _defines_names(node: Any) -> bool:
    if isinstance(node, list):
        return any(_defines_names(b) for b in node)
    if isinstance(node, dict):
        return "name" in node or _defines_names(node.get("items")) or _defines_names(node.get("values"))
    return False
