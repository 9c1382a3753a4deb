"""The native codecs: a schema compiled to a small program that the C modules `_avro_encode` and
`_avro_decode` run.

A program is nested tuples, one per schema node: `(opcode, *arguments)`. Named records reached by name
(and so possibly recursive) are compiled once into `defs` and referred to by index. Everything about
fastavro's rules that is not plain byte layout stays in Python and is handed to the program as data or
a callable: logical-type converters (`logical.writer_for` / `reader_for`), the branch choice of unions
other than `[null, X]` when writing (`union.make_selector`), and every schema-resolution decision when
reading, taken once here with fastavro's own matching functions exactly as `decoder_gen` takes them.
The C side converts dates, UTC timestamps, uuid text (writing) and
decimals that fit 64 bits itself and calls those converters for everything else.

The modules are optional: without a C compiler at install time they are absent, `native_encoder` and
`native_decoder` return None, and the generated Python codecs are the fast path.
"""

from __future__ import annotations

import copy
import decimal
from collections.abc import Callable, Mapping
from typing import Any

from fastavro._read import match_schemas, match_types  # type: ignore[attr-defined]
from fastavro._read_common import SchemaResolutionError
from fastavro.logical_readers import LOGICAL_READERS
from fastavro.logical_writers import LOGICAL_WRITERS
from fastavro.schema import extract_logical_type

from mesh.sdk.codec.logical import reader_for, writer_for
from mesh.sdk.codec.schema import PRIMITIVES, logical_key, null_in, type_of
from mesh.sdk.codec.union import make_selector

try:
    from mesh.sdk.codec import _avro_decode, _avro_encode
except ImportError:  # built without a C compiler: the generated Python codecs do the work
    _avro_encode = _avro_decode = None  # type: ignore[assignment]

AVAILABLE = _avro_encode is not None and _avro_decode is not None
"""True when the C modules were built (`pip install` compiles them where a C compiler is present)."""

# opcodes: the enum at the top of _avro_encode.c
NULL, BOOLEAN, INT, LONG, FLOAT, DOUBLE, BYTES, STRING = range(8)
FIXED, ENUM, ARRAY, MAP, RECORD, UNION_NULL, UNION_SELECT, LOGICAL, REF = range(8, 17)
_PRIMITIVE_OPS = {"null": NULL, "boolean": BOOLEAN, "int": INT, "long": LONG, "float": FLOAT, "double": DOUBLE,
                  "bytes": BYTES, "string": STRING}
# logical types converted in C: LT_* of _avro_encode.c; every other logical type calls its converter
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
    if not AVAILABLE:
        return None
    root, defs = program(parsed, named)
    encoder: NativeEncoder = _avro_encode.Encoder(root, defs, bytes(prefix))
    return encoder


# -- decoding ---------------------------------------------------------------------------------------------

# opcodes: the enum at the top of _avro_decode.c
(D_NULL, D_BOOLEAN, D_LONG, D_FLOAT, D_DOUBLE, D_BYTES, D_STRING, D_FIXED, D_ENUM, D_ARRAY, D_MAP, D_RECORD,
 D_UNION, D_CONVERT, D_REF, D_FAIL, D_INT_TO_FLOAT, D_STRING_TO_BYTES, D_BYTES_TO_STRING, D_DATE,
 D_TIMESTAMP_MILLIS, D_TIMESTAMP_MICROS, D_DECIMAL) = range(23)
E_READ, E_SKIP, E_DEFAULT, E_DEFAULT_COPY = range(4)  # record entries
_RAW_OPS = {"null": D_NULL, "boolean": D_BOOLEAN, "int": D_LONG, "long": D_LONG, "float": D_FLOAT,
            "double": D_DOUBLE, "bytes": D_BYTES, "string": D_STRING}
_PROMOTIONS = {("int", "float"): D_INT_TO_FLOAT, ("int", "double"): D_INT_TO_FLOAT,
               ("long", "float"): D_INT_TO_FLOAT, ("long", "double"): D_INT_TO_FLOAT,
               ("string", "bytes"): D_STRING_TO_BYTES, ("bytes", "string"): D_BYTES_TO_STRING}
_NATIVE_READERS = {"int-date": D_DATE, "long-timestamp-millis": D_TIMESTAMP_MILLIS,
                   "long-timestamp-micros": D_TIMESTAMP_MICROS}
_KNOWN = PRIMITIVES | {"record", "error", "enum", "fixed", "array", "map", "union", "error_union"}

NativeDecoder = Callable[[bytes], tuple[Any, int]]


class _DecodeProgramBuilder:
    """The program of `decoder_gen._DecoderGenerator`'s decisions, step for step (same fastavro calls)."""

    def __init__(self, named: dict[str, dict[str, Any]]) -> None:
        self.named = named
        self.defs: list[Program] = []
        self.def_index: dict[tuple[str, int], int] = {}

    def read(self, w: Any, r: Any) -> Program:
        if r is not None:
            try:
                r = match_schemas(w, r, self.named)
            except SchemaResolutionError as exc:  # fastavro raises it only when data gets here
                return (D_FAIL, str(exc))
        kind = type_of(w)
        if kind not in _KNOWN:
            return self.reference(kind, r)
        node = self.raw(w, kind, r)
        if isinstance(w, dict) and "logicalType" in w:
            key = extract_logical_type(w)
            if key in LOGICAL_READERS:  # the writer's logical type decides, no promotion after it
                if key in _NATIVE_READERS and node == (D_LONG,):
                    return (_NATIVE_READERS[key],)
                if key in ("bytes-decimal", "fixed-decimal") and "precision" in w and int(w.get("scale", 0)) >= 0:
                    precision = int(w["precision"])
                    bound = 10**precision if 0 < precision <= _INT64_DIGITS else 0  # 0: the converter always
                    size = -1 if node[0] == D_BYTES else node[1]
                    return (D_DECIMAL, reader_for(key, w, r), size, bound, int(w.get("scale", 0)))
                return (D_CONVERT, reader_for(key, w, r), node)
        if r is not None and (kind, type_of(r)) in _PROMOTIONS:
            return (_PROMOTIONS[(kind, type_of(r))],)
        return node

    def reference(self, name: str, r: Any) -> Program:
        w_def = self.named["writer"][name]
        r_def = self.named["reader"].get(r) if r is not None and isinstance(r, str) else None
        if type_of(w_def) not in ("record", "error"):
            return self.read(w_def, r_def)
        key = (name, id(r_def))
        index = self.def_index.get(key)
        if index is None:  # reserve the slot first: the record may refer to itself
            index = self.def_index[key] = len(self.defs)
            self.defs.append(())
            self.defs[index] = self.read(w_def, r_def)
        return (D_REF, index)

    def raw(self, w: Any, kind: str, r: Any) -> Program:
        if kind in _RAW_OPS:
            return (_RAW_OPS[kind],)
        if kind == "fixed":
            return (D_FIXED, int(w["size"]))
        if kind == "enum":
            return (D_ENUM, self.enum_symbols(w, r))
        if kind == "array":
            return (D_ARRAY, self.read(w["items"], None if r is None else r["items"]))
        if kind == "map":
            return (D_MAP, self.read(w["values"], None if r is None else r["values"]))
        if kind in ("union", "error_union"):
            return (D_UNION, tuple(self.branch(w, branch, r) for branch in w))
        if kind in ("record", "error"):
            return (D_RECORD, self.entries(w, r), copy.deepcopy)
        raise NotImplementedError(f"no native decoding for Avro type {kind!r}")

    @staticmethod
    def enum_symbols(w: Any, r: Any) -> tuple[str | None, ...]:
        symbols: list[str | None] = []
        for symbol in w["symbols"]:
            if r is not None and symbol not in r["symbols"]:
                default = r.get("default")
                symbol = default if default else None  # fastavro's test is truthiness; None: unresolvable
            symbols.append(symbol)
        return tuple(symbols)

    def branch(self, w: list[Any], branch: Any, r: Any) -> Program:
        if r is None:
            return self.read(branch, None)
        for candidate in (r if isinstance(r, list) else [r]):
            if match_types(branch, candidate, self.named):
                return self.read(branch, candidate)
        return (D_FAIL, f"schema mismatch: {w} not found in {r}")

    def entries(self, w: Any, r: Any) -> tuple[tuple[int, str | None, Any], ...]:
        if r is None:
            return tuple((E_READ, f["name"], self.read(f["type"], None)) for f in w["fields"])
        entries: list[tuple[int, str | None, Any]] = []
        by_name = {f["name"]: f for f in r["fields"]}
        by_alias = {alias: f for f in r["fields"] for alias in f.get("aliases", [])}
        for field in w["fields"]:
            reader_field = by_name.get(field["name"], by_alias.get(field["name"]))
            if reader_field is None:
                entries.append((E_SKIP, None, self.read(field["type"], None)))
                continue
            entries.append((E_READ, reader_field["name"], self.read(field["type"], reader_field["type"])))
            by_name.pop(reader_field["name"], None)
        for name, field in by_name.items():
            if "default" not in field:
                entries.append((E_READ, name, (D_FAIL, f"No default value for field {name} in {r['name']}")))
                continue
            default = field["default"]
            entries.append((E_DEFAULT_COPY if isinstance(default, (list, dict)) else E_DEFAULT, name, default))
        return tuple(entries)


def decode_program(writer: Any, reader: Any, named: dict[str, dict[str, Any]]) -> tuple[Program, tuple[Program, ...]]:
    """(root program, defs) reading parsed `writer` data resolved to `reader` (or None); exposed for tests."""
    builder = _DecodeProgramBuilder(named)
    root = builder.read(writer, reader)
    return root, tuple(builder.defs)


def native_decoder(
    writer: Any, reader: Any, named: dict[str, dict[str, Any]], *, offset: int = 0
) -> NativeDecoder | None:
    """`decode(buf) -> (value, end offset)` in C reading from `offset`, or None when the C module is not built.

    Takes bytes only; raises on anything malformed or unresolvable (the caller asks fastavro why).
    """
    if not AVAILABLE:
        return None
    root, defs = decode_program(writer, reader, named)
    decoder: NativeDecoder = _avro_decode.Decoder(root, defs, offset)
    return decoder
