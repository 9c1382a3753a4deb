"""The native encoder: a schema compiled to a small program that the C module `_avro_native` runs.

The program is nested tuples, one per schema node: `(opcode, *arguments)`. Named records reached by
name (and so possibly recursive) are compiled once into `defs` and referred to by index. Everything
about fastavro's rules that is not plain byte layout stays in Python and is handed to the program as a
callable: logical-type converters (`logical.writer_for`) and the branch choice of unions other than
`[null, X]` (`union.make_selector`). The C side converts dates, UTC timestamps, uuid text and decimals
of the schema's exact scale itself and calls those converters for everything else.

The module is optional: without a C compiler at install time it is absent, `native_encoder` returns
None, and the generated Python encoder is the fast path.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from typing import Any

from fastavro.logical_writers import LOGICAL_WRITERS

from mesh.sdk.codec.logical import writer_for
from mesh.sdk.codec.schema import PRIMITIVES, logical_key, null_in, type_of
from mesh.sdk.codec.union import make_selector

try:
    from mesh.sdk.codec import _avro_native
except ImportError:  # built without a C compiler: the generated Python encoder does the work
    _avro_native = None  # type: ignore[assignment]

AVAILABLE = _avro_native is not None
"""True when the C module was built (`pip install` compiles it where a C compiler is present)."""

# opcodes: the enum at the top of _avro_native.c
NULL, BOOLEAN, INT, LONG, FLOAT, DOUBLE, BYTES, STRING = range(8)
FIXED, ENUM, ARRAY, MAP, RECORD, UNION_NULL, UNION_SELECT, LOGICAL, REF = range(8, 17)
_PRIMITIVE_OPS = {"null": NULL, "boolean": BOOLEAN, "int": INT, "long": LONG, "float": FLOAT, "double": DOUBLE,
                  "bytes": BYTES, "string": STRING}
# logical types converted in C: LT_* of _avro_native.c; every other logical type calls its converter
_NATIVE_LOGICAL = {"int-date": 1, "long-timestamp-millis": 2, "long-timestamp-micros": 3, "bytes-decimal": 4,
                   "string-uuid": 5}
_INT64_DIGITS = 18  # 10**18 < 2**63: scales and precisions up to this are exact 64-bit arithmetic in C

Program = tuple[Any, ...]
NativeEncoder = Callable[[Mapping[str, Any]], bytes]


class _ProgramBuilder:
    def __init__(self, named: dict[str, Any]) -> None:
        self.named = named
        self.defs: list[Program] = []
        self.def_index: dict[str, int] = {}

    def node(self, node: Any) -> Program:
        if isinstance(node, list):
            return self.union(node)
        kind = type_of(node)
        if kind in PRIMITIVES:
            return self.logical(node, (_PRIMITIVE_OPS[kind],))
        if isinstance(node, str):
            return self.reference(node)
        if kind in ("record", "error"):
            return self.record(node)
        if kind == "enum":
            return (ENUM, {symbol: i for i, symbol in enumerate(node["symbols"])})
        if kind == "fixed":
            return self.logical(node, (FIXED, int(node["size"])))
        if kind == "array":
            return (ARRAY, self.node(node["items"]))
        if kind == "map":
            return (MAP, self.node(node["values"]))
        raise NotImplementedError(f"no native encoding for Avro type {kind!r}")

    def logical(self, node: Any, inner: Program) -> Program:
        key = logical_key(node)
        if key not in LOGICAL_WRITERS:
            return inner
        kind, args = _NATIVE_LOGICAL.get(key, 0), None
        if key == "bytes-decimal":
            scale, precision = int(node.get("scale", 0)), node.get("precision")
            if precision is None or not 0 <= scale <= _INT64_DIGITS:
                kind = 0  # fastavro's converter decides (and raises for a missing precision)
            else:
                bound = 10 ** int(precision) if int(precision) <= _INT64_DIGITS else 0
                args = (decimal.Decimal(1).scaleb(-scale), 10**scale, bound)
        return (LOGICAL, kind, writer_for(key, node), args, inner)

    def reference(self, name: str) -> Program:
        definition = self.named[name]
        if type_of(definition) not in ("record", "error"):
            return self.node(definition)
        index = self.def_index.get(name)
        if index is None:  # reserve the slot first: the record may refer to itself
            index = self.def_index[name] = len(self.defs)
            self.defs.append(())
            self.defs[index] = self.record(definition)
        return (REF, index)

    def record(self, node: dict[str, Any]) -> Program:
        fields = []
        for field in node["fields"]:
            # fastavro writes a missing field as its default, or None when "null" is in its type
            has_default = "default" in field or null_in(field["type"])
            fields.append((field["name"], has_default, field.get("default"), self.node(field["type"])))
        return (RECORD, tuple(fields))

    def union(self, branches: list[Any]) -> Program:
        nulls = [i for i, b in enumerate(branches) if type_of(b) == "null"]
        if len(branches) == 2 and len(nulls) == 1:
            other = 1 - nulls[0]
            return (UNION_NULL, nulls[0], other, self.node(branches[other]))
        return (UNION_SELECT, make_selector(branches, self.named), tuple(self.node(b) for b in branches))


def program(parsed: Any, named: dict[str, Any]) -> tuple[Program, tuple[Program, ...]]:
    """(root program, defs) for a fastavro-parsed schema; exposed for tests."""
    builder = _ProgramBuilder(named)
    root = builder.node(parsed)
    return root, tuple(builder.defs)


def native_encoder(parsed: Any, named: dict[str, Any], *, prefix: bytes = b"") -> NativeEncoder | None:
    """`encode(datum) -> prefix + Avro body` in C, or None when the C module is not built.

    Strict: it accepts exact dicts, lists, str, int, float, bool, None, bytes, dates, datetimes and
    Decimals only and raises on anything else, so callers retry with the Python encoder on any error.
    """
    if _avro_native is None:
        return None
    root, defs = program(parsed, named)
    encoder: NativeEncoder = _avro_native.Encoder(root, defs, bytes(prefix))
    return encoder
