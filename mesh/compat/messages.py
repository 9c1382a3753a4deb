"""Turning a finding into one sentence and a fix hint a person can act on.

The wording depends on which side is the schema being registered: a hint tells the author of the
NEW schema what to change, whether the new schema is the reader (BACKWARD) or the writer (FORWARD).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mesh.compat.resolution import Found, classify, describe
from mesh.compat.result import Kind

_PROMOTION_TEXT = "int -> long/float/double, long -> float/double, float -> double, string <-> bytes"
_MAJOR = "or publish the change as a new major version (a new subject)"


@dataclass(frozen=True)
class Sides:
    """How to name the reader and the writer, and which of them is the new schema (None: neither)."""

    reader: str
    writer: str
    new: str | None  # "reader", "writer" or None
    reader_named: Mapping[str, Any]
    writer_named: Mapping[str, Any]


def pointer(segments: tuple[str | int, ...]) -> str:
    """JSON-pointer-like text for path segments: `/` for the root, else `/fields/3/type`."""
    return "/" + "/".join(str(segment) for segment in segments)


def example_default(node: Any, named: Mapping[str, Any]) -> str:
    """A plausible JSON default for a type, to show in a hint."""
    kind, definition = classify(node, named)
    if kind == "union":
        return example_default(definition[0], named)
    samples: dict[str, Any] = {"null": None, "boolean": False, "int": 0, "long": 0, "float": 0.0, "double": 0.0,
               "string": "", "bytes": "", "array": [], "map": {}}
    if kind in samples:
        return json.dumps(samples[kind])
    if kind == "enum":
        return json.dumps(definition["symbols"][0] if definition["symbols"] else "")
    return "(a JSON object of the record) or make the field a union with \"null\" first and default null"


def render(found: Found, sides: Sides) -> tuple[str, str]:
    """(message, hint) for one finding."""
    d = found.details
    r, w = sides.reader, sides.writer
    if found.kind is Kind.READER_FIELD_MISSING_DEFAULT_VALUE:
        field, record = d["field"]["name"], d["record"]["name"]
        message = f"{r} has field '{field}' in record {record} without a default, and {w} does not write it"
        if sides.new == "writer":
            hint = f"keep field '{field}' in the new schema ({r} needs it), {_MAJOR}"
        else:
            example = example_default(d["field"]["type"], sides.reader_named)
            hint = f"add \"default\": {example} to field '{field}' (or remove the field), {_MAJOR}"
        return message, hint
    if found.kind is Kind.TYPE_MISMATCH:
        rtype, wtype = describe(d["reader"], sides.reader_named), describe(d["writer"], sides.writer_named)
        message = f"{r} reads {rtype} where {w} writes {wtype}"
        old = rtype if sides.new == "writer" else wtype
        hint = (f"keep the type {old} or one it promotes to ({_PROMOTION_TEXT}); for another type add a new"
                f" field with a default instead, {_MAJOR}")
        return message, hint
    if found.kind is Kind.MISSING_UNION_BRANCH:
        rtype, wtype = describe(d["reader"], sides.reader_named), describe(d["writer"], sides.writer_named)
        message = f"{r} has no union branch for {wtype} that {w} writes (reader type: {rtype})"
        if sides.new == "writer":
            hint = f"do not write {wtype} here: {r} cannot read it; {_MAJOR}"
        else:
            hint = f"add {wtype} as a branch of the union, {_MAJOR}"
        return message, hint
    if found.kind is Kind.MISSING_ENUM_SYMBOLS:
        missing = ", ".join(d["missing"])
        message = f"{r}'s enum {d['reader']['name']} lacks symbol(s) {missing} that {w} can write"
        if sides.new == "writer":
            hint = (f"do not add {missing} yet: first register a version whose enum has a \"default\" symbol,"
                    f" so older readers map unknown symbols to it; {_MAJOR}")
        else:
            hint = f"keep symbol(s) {missing}, or give the enum a \"default\" symbol for unknown ones, {_MAJOR}"
        return message, hint
    if found.kind is Kind.NAME_MISMATCH:
        rname, wname = d["reader"]["name"], d["writer"]["name"]
        message = f"{r} names the type {rname} where {w} names it {wname}"
        old = rname if sides.new == "writer" else wname
        hint = f"keep the name {old}, or add \"aliases\": [\"{old}\"] to the renamed type, {_MAJOR}"
        return message, hint
    if found.kind is Kind.FIXED_SIZE_MISMATCH:
        rsize, wsize = d["reader"]["size"], d["writer"]["size"]
        message = f"fixed {d['reader']['name']} has size {rsize} in {r} but {wsize} in {w}"
        old = rsize if sides.new == "writer" else wsize
        hint = f"keep size {old}; for another size add a new field with a new fixed type, {_MAJOR}"
        return message, hint
    rdec, wdec = d["reader"], d["writer"]
    rtext = f"decimal({rdec['precision']}, {rdec.get('scale', 0)})"
    wtext = f"decimal({wdec['precision']}, {wdec.get('scale', 0)})"
    message = f"{r} reads {rtext} where {w} writes {wtext}: precision and scale must match"
    old = rtext if sides.new == "writer" else wtext
    hint = f"keep {old}; for another precision or scale add a new field with a default, {_MAJOR}"
    return message, hint
