"""Generating a schema-specialised Avro decoder (with schema resolution) as plain Python source.

The generated `decode(buf) -> (value, end)` reads a `bytes` object with an integer cursor: one-byte
varints inline, longer ones through `_wire.read_long`; records become dict displays; records reached
through a named reference get their own function (recursion). Resolution to a reader schema is decided
once at generation time with fastavro's own matching functions (`match_schemas`, `match_types`) and
reproduces fastavro's `read_data` step by step: field matching by name and alias, skipped writer fields,
reader defaults, enum defaults, union branch choice, promotions, logical types from the writer schema.
A mismatch fastavro reports only when data reaches it becomes generated code that raises there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastavro._read import match_schemas, match_types  # type: ignore[attr-defined]
from fastavro._read_common import SchemaResolutionError
from fastavro.logical_readers import LOGICAL_READERS
from fastavro.schema import extract_logical_type

from mesh.sdk.codec import _wire
from mesh.sdk.codec._source import Source
from mesh.sdk.codec.logical import inline_reader, reader_for
from mesh.sdk.codec.schema import PRIMITIVES, type_of

_RUNTIME = {
    "_rlong": _wire.read_long,
    "_rlen": _wire.read_length,
    "_uf": _wire.UNPACK_FLOAT,
    "_ud": _wire.UNPACK_DOUBLE,
    "_bad": _wire.bad_index,
    "_fail": _wire.fail,
    "_many": _wire.too_many_empty_items,
    "_copy": copy.deepcopy,
}
_KNOWN = PRIMITIVES | {"record", "error", "enum", "fixed", "array", "map", "union", "error_union"}
_PROMOTE = {
    ("int", "float"): "float({0})", ("int", "double"): "float({0})",
    ("long", "float"): "float({0})", ("long", "double"): "float({0})",
    ("string", "bytes"): "{0}.encode()", ("bytes", "string"): "{0}.decode()",
}


class _DecoderGenerator:
    def __init__(self, named: dict[str, dict[str, Any]]) -> None:
        self.named = named
        self.src = Source(_RUNTIME)
        self.readers: dict[tuple[str, int], str] = {}
        self.skippers: dict[str, str] = {}

    # -- primitives of the generated code ------------------------------------------------------------
    def long(self, target: str) -> None:
        src, c = self.src, self.src.var("c")
        src.line(f"{c} = buf[p]; p += 1")
        with src.block(f"if {c} < 128:"):
            src.line(f"{target} = ({c} >> 1) ^ -({c} & 1)")
        with src.block("else:"):
            src.line(f"{target}, p = _rlong(buf, p, {c})")

    def length(self, target: str) -> None:
        src, c = self.src, self.src.var("c")
        src.line(f"{c} = buf[p]; p += 1")
        with src.block(f"if {c} & 129:"):
            src.line(f"{target}, p = _rlen(buf, p, {c})")
        with src.block("else:"):
            src.line(f"{target} = {c} >> 1")

    @contextmanager
    def blocks(self, count: str, *, empty_items: bool = False) -> Iterator[None]:
        """`with self.blocks(n):` loops over the items of an array/map block sequence; `empty_items`: the
        items may take no bytes, so their count goes against the value's budget `lim` (_wire)."""
        src = self.src
        self.long(count)
        with src.block(f"while {count}:"):
            with src.block(f"if {count} < 0:"):  # a negative count is followed by the block's byte size
                src.line(f"{count} = -{count}")
                self.long(src.var("size"))
            if empty_items:
                src.line(f"lim[0] -= {count}")
                with src.block("if lim[0] < 0:"):
                    src.line(f"_many({count})")
            with src.block(f"for _ in range({count}):"):
                yield
            self.long(count)

    # -- reading -------------------------------------------------------------------------------------
    def read(self, w: Any, r: Any, target: str) -> None:
        """Emit code that reads writer schema `w` (resolved to reader `r`, or None) into `target`."""
        src = self.src
        if r is not None:
            try:
                r = match_schemas(w, r, self.named)
            except SchemaResolutionError as exc:  # fastavro raises it only when data gets here
                src.line(f"{target} = _fail({str(exc)!r})")
                return
        kind = type_of(w)
        if kind not in _KNOWN:
            self.reference(kind, r, target)
            return
        self.raw(w, kind, r, target)
        if isinstance(w, dict) and "logicalType" in w:
            key = extract_logical_type(w)
            if key in LOGICAL_READERS:
                inline = inline_reader(key, w, src.const, target)
                src.line(f"{target} = {inline or src.const(reader_for(key, w, r), 'lr') + f'({target})'}")
                return
        if r is not None:
            promotion = _PROMOTE.get((kind, type_of(r)))
            if promotion:
                src.line(f"{target} = {promotion.format(target)}")

    def reference(self, name: str, r: Any, target: str) -> None:
        w_def = self.named["writer"][name]
        r_def = None
        if r is not None:
            r_def = self.named["reader"].get(r) if isinstance(r, str) else None
        if type_of(w_def) not in ("record", "error"):
            self.read(w_def, r_def, target)
            return
        key = (name, id(r_def))
        function = self.readers.get(key)
        if function is None:
            function = self.readers[key] = f"_r{len(self.readers)}"
            with self.src.function(f"def {function}(buf, p, lim):"):
                self.read(w_def, r_def, "x")
                self.src.line("return x, p")
        self.src.line(f"{target}, p = {function}(buf, p, lim)")

    def raw(self, w: Any, kind: str, r: Any, target: str) -> None:
        src = self.src
        if kind == "null":
            src.line(f"{target} = None")
        elif kind == "boolean":
            src.line(f"{target} = buf[p] != 0; p += 1")
        elif kind in ("int", "long"):
            self.long(target)
        elif kind == "float":
            src.line(f"{target} = _uf(buf, p)[0]; p += 4")
        elif kind == "double":
            src.line(f"{target} = _ud(buf, p)[0]; p += 8")
        elif kind in ("string", "bytes"):
            n = src.var("n")
            self.length(n)
            decode = ".decode()" if kind == "string" else ""
            src.line(f"{target} = buf[p:(p := p + {n})]{decode}")
        elif kind == "fixed":
            src.line(f"{target} = buf[p:(p := p + {int(w['size'])})]")
        elif kind == "enum":
            self.enum(w, r, target)
        elif kind == "array":
            items, n, x = src.var("a"), src.var("n"), src.var("x")
            src.line(f"{target} = {items} = []")
            with self.blocks(n, empty_items=self.may_be_empty(w["items"])):
                self.read(w["items"], None if r is None else r["items"], x)
                src.line(f"{items}.append({x})")
        elif kind == "map":
            out, n, k, x = src.var("m"), src.var("n"), src.var("k"), src.var("x")
            src.line(f"{target} = {out} = {{}}")
            with self.blocks(n):
                self.raw("string", "string", None, k)
                self.read(w["values"], None if r is None else r["values"], x)
                src.line(f"{out}[{k}] = {x}")
        elif kind in ("union", "error_union"):
            self.union(w, r, target)
        elif kind in ("record", "error"):
            self.record(w, r, target)

    def enum(self, w: Any, r: Any, target: str) -> None:
        symbols = list(w["symbols"])
        if len(symbols) > 64:
            raise NotImplementedError("enums above 64 symbols use fastavro")
        table: dict[int, Any] = {}
        for i, symbol in enumerate(symbols):
            if r is not None and symbol not in r["symbols"]:
                default = r.get("default")
                if not default:  # fastavro's test is truthiness
                    continue
                symbol = default
            table[i << 1] = symbol
        c = self.src.var("c")
        self.src.line(f"{c} = buf[p]; p += 1")
        self.src.line(f"{target} = {self.src.const(table, 'ENUM')}[{c}]")

    def union(self, w: list[Any], r: Any, target: str) -> None:
        if len(w) > 64:
            raise NotImplementedError("unions above 64 branches use fastavro")
        src, c = self.src, self.src.var("c")
        src.line(f"{c} = buf[p]; p += 1")
        for i, branch in enumerate(w):
            with src.block(f"{'if' if i == 0 else 'elif'} {c} == {i << 1}:"):
                if r is None:
                    self.read(branch, None, target)
                    continue
                for candidate in (r if isinstance(r, list) else [r]):
                    if match_types(branch, candidate, self.named):
                        self.read(branch, candidate, target)
                        break
                else:
                    src.line(f"{target} = _fail({f'schema mismatch: {w} not found in {r}'!r})")
        with src.block("else:"):
            src.line(f"_bad('union', {c})")

    def record(self, w: Any, r: Any, target: str) -> None:
        src = self.src
        entries: list[str] = []
        if r is None:
            for field in w["fields"]:
                value = src.var()
                self.read(field["type"], None, value)
                entries.append(f"{field['name']!r}: {value}")
        else:
            by_name = {f["name"]: f for f in r["fields"]}
            by_alias = {alias: f for f in r["fields"] for alias in f.get("aliases", [])}
            for field in w["fields"]:
                reader_field = by_name.get(field["name"], by_alias.get(field["name"]))
                if reader_field is None:
                    self.skip(field["type"])
                    continue
                value = src.var()
                self.read(field["type"], reader_field["type"], value)
                entries.append(f"{reader_field['name']!r}: {value}")
                by_name.pop(reader_field["name"], None)
            for name, field in by_name.items():
                if "default" not in field:
                    message = f"No default value for field {name} in {r['name']}"
                    entries.append(f"{name!r}: _fail({message!r})")
                    continue
                default = field["default"]
                constant = src.const(default, "D")
                mutable = isinstance(default, (list, dict))
                entries.append(f"{name!r}: {'_copy(' + constant + ')' if mutable else constant}")
        src.line(f"{target} = {{{', '.join(entries)}}}")

    def may_be_empty(self, w: Any, seen: frozenset[str] = frozenset()) -> bool:
        """Whether a value of writer schema `w` can take no bytes (as the C decoder's `min_width` is 0);
        a named type met again inside itself counts as possibly empty."""
        kind = type_of(w)
        if kind == "null":
            return True
        if kind == "fixed":
            return int(w["size"]) == 0
        if kind in ("record", "error"):
            return all(self.may_be_empty(field["type"], seen) for field in w["fields"])
        if kind not in _KNOWN:
            return kind in seen or self.may_be_empty(self.named["writer"][kind], seen | {kind})
        return False  # numbers, strings, bytes, enums, arrays, maps, unions: at least one byte

    # -- skipping ------------------------------------------------------------------------------------
    def skip(self, w: Any) -> None:
        """Emit code that moves `p` past a value of writer schema `w`."""
        src, kind = self.src, type_of(w)
        if kind not in _KNOWN:
            w_def = self.named["writer"][kind]
            if type_of(w_def) not in ("record", "error"):
                self.skip(w_def)
                return
            function = self.skippers.get(kind)
            if function is None:
                function = self.skippers[kind] = f"_s{len(self.skippers)}"
                with src.function(f"def {function}(buf, p, lim):"):
                    self.skip(w_def)
                    src.line("return p")
            src.line(f"p = {function}(buf, p, lim)")
        elif kind in ("int", "long", "enum"):
            self.long(src.var("_"))
        elif kind == "boolean":
            src.line("p += 1")
        elif kind in ("float", "double", "fixed"):
            src.line(f"p += {4 if kind == 'float' else 8 if kind == 'double' else int(w['size'])}")
        elif kind in ("string", "bytes"):
            n = src.var("n")
            self.length(n)
            src.line(f"p += {n}")
        elif kind in ("array", "map"):
            with self.blocks(src.var("n"), empty_items=kind == "array" and self.may_be_empty(w["items"])):
                if kind == "map":
                    self.skip("string")
                self.skip(w["items"] if kind == "array" else w["values"])
        elif kind in ("union", "error_union"):
            c = src.var("c")
            src.line(f"{c} = buf[p]; p += 1")
            for i, branch in enumerate(w):
                with src.block(f"{'if' if i == 0 else 'elif'} {c} == {i << 1}:"):
                    self.skip(branch)
            with src.block("else:"):
                src.line(f"_bad('union', {c})")
        elif kind in ("record", "error"):
            for field in w["fields"]:
                self.skip(field["type"])


def generate_decoder(
    writer: Any, reader: Any, named: dict[str, dict[str, Any]], *, offset: int = 0
) -> Callable[[bytes], Any]:
    """Generate `decode(buf) -> (value, end offset)` reading from `offset`, for parsed writer (and reader) schemas."""
    gen = _DecoderGenerator(named)
    with gen.src.function("def decode(buf):"):
        gen.src.line(f"p = {int(offset)}")
        gen.src.line(f"lim = [{_wire.EMPTY_ITEMS_LIMIT}]")
        gen.read(writer, reader, "x")
        gen.src.line("return x, p")
    namespace = gen.src.build("<mesh-avro-decoder>")
    decode: Callable[[bytes], Any] = namespace["decode"]
    return decode
