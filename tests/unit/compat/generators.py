"""Hypothesis strategies: random writer schemas, readers evolved from them, and data for a schema.

Schemas are raw JSON (as a user writes them) under namespace `gen`; every named type is defined
once, inline, with a fresh name. `evolved` applies the edits people make (add/drop/rename fields,
promote or change types, add/remove enum symbols, widen/narrow unions, rename types with or without
aliases, change decimal precision) so that pairs are a mix of compatible and incompatible ones.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

PRIMITIVES = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
SYMBOLS = ["A", "B", "C", "D", "E"]
NAMESPACE = "gen"


class Names:
    """Fresh names for named types and fields, unique within one generated pair."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"


def _is_named(node: Any, kind: str | None = None) -> bool:
    return isinstance(node, dict) and node["type"] in ("record", "enum", "fixed") and kind in (None, node["type"])


@st.composite
def avro_type(draw: st.DrawFn, names: Names, depth: int = 0, *, branch: bool = False) -> Any:
    """A random Avro type (raw JSON); with `branch`, one that can join "null" in a union."""
    kinds = ["primitive"] * 4 + ["enum", "fixed", "decimal"]
    if depth < 2:
        kinds += ["array", "map", "record", "record"] + ([] if branch else ["union", "union"])
    kind = draw(st.sampled_from(kinds))
    if kind == "primitive":
        return draw(st.sampled_from(PRIMITIVES[1:] if branch else PRIMITIVES))
    if kind == "enum":
        symbols = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=4, unique=True))
        return {"type": "enum", "name": names.fresh("E"), "symbols": symbols}
    if kind == "fixed":
        return {"type": "fixed", "name": names.fresh("F"), "size": draw(st.integers(1, 4))}
    if kind == "decimal":
        precision = draw(st.integers(1, 8))
        return {"type": "bytes", "logicalType": "decimal", "precision": precision,
                "scale": draw(st.integers(0, precision))}
    if kind in ("array", "map"):
        inner = draw(avro_type(names, depth + 1))
        return {"type": "array", "items": inner} if kind == "array" else {"type": "map", "values": inner}
    if kind == "union":
        if draw(st.booleans()):
            return ["null", draw(avro_type(names, depth + 1, branch=True))]
        branches: list[Any] = draw(st.lists(st.sampled_from(PRIMITIVES), min_size=2, max_size=3, unique=True))
        if draw(st.booleans()):
            branches.append(draw(avro_type(names, depth + 1, branch=True)))
        return _distinct(branches)
    return draw(record(names, depth + 1))


@st.composite
def record(draw: st.DrawFn, names: Names, depth: int = 0) -> dict[str, Any]:
    """A random record with 1 to 4 fields."""
    count = draw(st.integers(1, 4))
    fields = [{"name": names.fresh("f"), "type": draw(avro_type(names, depth))} for _ in range(count)]
    return {"type": "record", "name": names.fresh("R"), "fields": fields}


def _branch_key(node: Any) -> str:
    if isinstance(node, str):
        return node
    return str(node["name"] if node["type"] in ("record", "enum", "fixed") else node["type"])


def _distinct(branches: list[Any]) -> Any:
    """A valid union of `branches`: duplicates (by union rules) dropped; a lone branch stands alone."""
    seen: dict[str, Any] = {}
    for branch in branches:
        seen.setdefault(_branch_key(branch), branch)
    unique = list(seen.values())
    return unique if len(unique) > 1 else unique[0]


def default_for(node: Any) -> Any:
    """A valid JSON default for a type."""
    if isinstance(node, list):
        return default_for(node[0])
    if isinstance(node, str):
        return {"null": None, "boolean": False, "int": 0, "long": 0, "float": 0.0, "double": 0.0,
                "bytes": "", "string": ""}[node]
    kind = node["type"]
    if kind in PRIMITIVES:
        return default_for(kind)
    if kind == "enum":
        return node["symbols"][0]
    if kind == "fixed":
        return "\u0000" * node["size"]
    if kind == "array":
        return []
    if kind == "map":
        return {}
    return {field["name"]: default_for(field["type"]) for field in node["fields"]}


@st.composite
def evolved(draw: st.DrawFn, node: Any, names: Names, depth: int = 0) -> Any:
    """A reader schema derived from `node` by random, realistic edits."""
    edit = draw(st.sampled_from(["keep"] * 10 + ["replace", "wrap"]))
    if edit == "replace":
        return draw(avro_type(names, depth + 1))
    if edit == "wrap" and node != "null" and not isinstance(node, list):
        inner = draw(evolved(node, names, depth))
        return inner if inner == "null" or isinstance(inner, list) else ["null", inner]
    if isinstance(node, str):
        promotions = {"int": ["long", "float", "double"], "long": ["float", "double"], "float": ["double"],
                      "string": ["bytes"], "bytes": ["string"]}
        return draw(st.sampled_from([node] * 3 + promotions.get(node, [])))
    if isinstance(node, list):
        branches: list[Any] = []
        for branch in node:
            changed = draw(evolved(branch, names, depth + 1))
            branches.extend(changed if isinstance(changed, list) else [changed])
        edit = draw(st.sampled_from(["keep", "keep", "drop", "add", "reverse", "unwrap"]))
        if edit == "drop" and len(branches) > 1:
            del branches[draw(st.integers(0, len(branches) - 1))]
        elif edit == "add":
            branches.append(draw(st.sampled_from(PRIMITIVES)))
        elif edit == "reverse":
            branches.reverse()
        elif edit == "unwrap" and len(branches) > 1 and branches[0] == "null":
            return branches[1]
        return _distinct(branches)
    kind = node["type"]
    if kind in PRIMITIVES:  # decimal
        if draw(st.booleans()):
            return node
        precision = draw(st.integers(1, 8))
        return {**node, "precision": precision, "scale": draw(st.integers(0, precision))}
    if kind == "array":
        return {"type": "array", "items": draw(evolved(node["items"], names, depth + 1))}
    if kind == "map":
        return {"type": "map", "values": draw(evolved(node["values"], names, depth + 1))}
    renamed = _rename(draw, node, names)
    if kind == "enum":
        symbols = draw(st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=5, unique=True))
        chosen = draw(st.sampled_from([node["symbols"], node["symbols"] + [s for s in symbols if s not in node["symbols"]],
                                       symbols]))
        result = {**renamed, "symbols": chosen}
        if draw(st.booleans()):
            result["default"] = chosen[0]
        return result
    if kind == "fixed":
        return {**renamed, "size": draw(st.sampled_from([node["size"]] * 3 + [node["size"] + 1]))}
    return {**renamed, "fields": draw(_evolved_fields(node["fields"], names, depth))}


def _rename(draw: st.DrawFn, node: dict[str, Any], names: Names) -> dict[str, Any]:
    choice = draw(st.sampled_from(["keep"] * 6 + ["rename", "alias", "alias_qualified"]))
    if choice == "keep":
        return dict(node)
    renamed = {**node, "name": names.fresh(node["name"][0])}
    if choice == "alias":
        renamed["aliases"] = [node["name"]]
    elif choice == "alias_qualified":
        renamed["aliases"] = [f"{NAMESPACE}.{node['name']}"]
    return renamed


@st.composite
def _evolved_fields(draw: st.DrawFn, fields: list[dict[str, Any]], names: Names, depth: int) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for field in fields:
        action = draw(st.sampled_from(["keep"] * 6 + ["drop", "rename", "alias"]))
        if action == "drop":
            continue
        new = {"name": field["name"], "type": draw(evolved(field["type"], names, depth + 1))}
        if action in ("rename", "alias"):
            new["name"] = names.fresh("g")
            if action == "alias":
                new["aliases"] = [field["name"]]
        if draw(st.booleans()):
            new["default"] = default_for(new["type"])
        result.append(new)
    for _ in range(draw(st.integers(0, 2))):
        added: dict[str, Any] = {"name": names.fresh("n"), "type": draw(avro_type(names, depth + 1))}
        if draw(st.sampled_from([True, True, False])):
            added["default"] = default_for(added["type"])
        result.append(added)
    if draw(st.booleans()):
        result.reverse()
    return result


@st.composite
def schema_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """(writer, reader) raw schemas: a random record and an evolution of it, both in namespace `gen`."""
    names = Names()
    writer = {**draw(record(names)), "namespace": NAMESPACE}
    reader = draw(evolved(writer, names))
    if not isinstance(reader, dict) or reader.get("type") != "record":
        reader = {"type": "record", "name": names.fresh("R"), "fields": [{"name": "x", "type": reader}]}
    reader = {**reader, "namespace": NAMESPACE}
    return writer, reader


# The spec lets a string reader read bytes; only UTF-8 bytes can be decoded that way, so generated
# bytes are UTF-8 text (a caveat of the spec's bytes -> string promotion, documented in the README).
_UTF8_BYTES = st.text(max_size=6).map(lambda text: text.encode("utf-8"))


def datum(node: Any, named: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Values a writer with schema `node` (raw JSON, named types defined inline) can write."""
    named = {} if named is None else named
    if isinstance(node, list):
        return st.one_of(*[datum(branch, named) for branch in node])
    if isinstance(node, str):
        if node in named:
            return datum(named[node], named)
        return {
            "null": st.none(), "boolean": st.booleans(), "int": st.integers(-(2**31), 2**31 - 1),
            "long": st.integers(-(2**63), 2**63 - 1), "float": st.floats(width=32, allow_nan=False, allow_infinity=False),
            "double": st.floats(allow_nan=False, allow_infinity=False), "bytes": _UTF8_BYTES,
            "string": st.text(max_size=6),
        }[node]
    kind = node["type"]
    if node.get("logicalType") == "decimal" and kind == "bytes":
        precision, scale = node["precision"], node.get("scale", 0)
        return st.integers(-(10**precision) + 1, 10**precision - 1).map(lambda unscaled: Decimal(unscaled).scaleb(-scale))
    if kind in PRIMITIVES:
        return datum(kind, named)
    if kind == "enum":
        return st.sampled_from(node["symbols"])
    if kind == "fixed":
        return st.binary(min_size=node["size"], max_size=node["size"])
    if kind == "array":
        return st.lists(datum(node["items"], named), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=4), datum(node["values"], named), max_size=3)
    return st.fixed_dictionaries({field["name"]: datum(field["type"], named) for field in node["fields"]})
