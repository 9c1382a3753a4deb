"""Generating a schema-specialised Avro encoder as plain Python source, byte-for-byte equal to fastavro.

One function per schema: field access, zig-zag varints (table lookups), struct packs, enum tables and
union dispatch are inlined; records reached through a named reference (recursion) get their own
function. Logical types call fastavro's own converters, so conversions are exactly fastavro's. The
generated code checks nothing it does not need: wrong data raises some exception, and the caller
(`mesh.sdk.codec.encoding`) diagnoses it on the failure path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastavro.logical_writers import LOGICAL_WRITERS

from mesh.sdk.codec import _wire
from mesh.sdk.codec._source import Source
from mesh.sdk.codec.logical import inline_writer, writer_for
from mesh.sdk.codec.schema import PRIMITIVES, logical_key, null_in, type_of
from mesh.sdk.codec.union import INT_RANGE, LONG_RANGE, is_primitive_union, make_selector, probe

_RUNTIME = {
    "_V": _wire.VARINT,
    "_L": _wire.LENGTH,
    "_C": _wire.CHUNK,
    "_wlong": _wire.write_long,
    "_wint": _wire.write_int,
    "_wlen": _wire.write_length,
    "_pf": _wire.PACK_FLOAT,
    "_pd": _wire.PACK_DOUBLE,
    "_seq": _wire.check_sequence,
    "_useq": _wire.check_union_sequence,
    "_map": _wire.check_mapping,
    "_BOOL": {True: b"\x01", False: b"\x00"},
}
_T, _LT = _wire.TABLE_SIZE, _wire.LEN_TABLE_SIZE
# How many table lookups a logical type's varint usually takes (see `varint`): dates are 2 (days since
# 1970 around 20,000), epoch milliseconds 3; anything else tries the one-byte case first.
_LIKELY_CHUNKS = {"int-date": 2, "long-timestamp-millis": 3, "long-local-timestamp-millis": 3}


class _EncoderGenerator:
    def __init__(self, named: dict[str, Any], *, optimistic: bool = False) -> None:
        self.named = named
        self.optimistic = optimistic
        self.src = Source(_RUNTIME)
        self.functions: dict[str, str] = {}
        self.pending: list[str] = []
        self.fresh = True  # `b` does not exist yet: the first flush creates it with its first pieces
        self.first: list[str] = []  # what the output list starts with (the frame prefix)

    # Output pieces are collected and written as one `b += (p1, p2, ...)` (b is a list joined at
    # the end): one list extension per run of pieces instead of one bytearray append per piece.
    def length(self, n: str) -> str:
        """Expression for the Avro length prefix `n` (a len(), never negative). The optimistic encoder
        indexes the table without a range check: a length beyond it raises IndexError, and the caller
        retries with the checked encoder."""
        return f"_L[{n}]" if self.optimistic else f"_L[{n}] if {n} < {_LT} else _wlen({n})"

    def piece(self, expression: str) -> None:
        self.pending.append(expression)

    def flush(self) -> None:
        if self.fresh:  # one list display for the prefix and the first run of pieces
            self.src.line(f"b = [{', '.join(f'({e})' for e in [*self.first, *self.pending])}]")
            self.fresh, self.pending = False, []
        elif len(self.pending) == 1:  # no tuple for a single piece
            self.src.line(f"b.append({self.pending[0]})")
            self.pending = []
        elif self.pending:
            self.src.line(f"b += ({', '.join(f'({e})' for e in self.pending)},)")
            self.pending = []

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.flush()
        with self.src.block(header):
            yield
            self.flush()

    def write(self, node: Any, v: str, *, in_union: bool = False) -> None:
        src = self.src
        if isinstance(node, list):
            self.union(node, v)
            return
        kind = type_of(node)
        if kind in PRIMITIVES:
            key = logical_key(node)
            if key in LOGICAL_WRITERS:
                prepared = src.var()
                inline = inline_writer(key, node, src.const, v)
                src.line(f"{prepared} = {inline or src.const(writer_for(key, node), 'lw') + f'({v})'}")
                v = prepared
            self.primitive(kind, v, likely=_LIKELY_CHUNKS.get(key or "", 1))
        elif isinstance(node, str):
            self.reference(node, v, in_union=in_union)
        elif kind in ("record", "error"):
            self.record(node, v)
        elif kind == "enum":
            table = {symbol: _wire.VARINT[i << 1] for i, symbol in enumerate(node["symbols"])}
            self.piece(f"{src.const(table, 'ENUM')}[{v}]")
        elif kind == "fixed":
            key = logical_key(node)
            if key in LOGICAL_WRITERS:
                prepared = src.var()
                inline = inline_writer(key, node, src.const, v)
                src.line(f"{prepared} = {inline or src.const(writer_for(key, node), 'lw') + f'({v})'}")
                v = prepared
            with self.block(f"if len({v}) != {int(node['size'])}:"):
                message = f"fixed {node['name']} needs {node['size']} bytes"
                src.line(f"raise ValueError({message!r})")
            self.piece(f"{v}")
        elif kind == "array":
            self.array(node, v, in_union=in_union)
        elif kind == "map":
            self.map(node, v)
        else:
            raise NotImplementedError(f"no encoder for Avro type {kind!r}")

    def primitive(self, kind: str, v: str, likely: int = 1) -> None:
        src = self.src
        if kind == "null":
            with self.block(f"if {v} is not None:"):
                src.line("raise TypeError('null field holds a value')")
        elif kind == "boolean":
            self.piece(f"_BOOL[{v}]")
        elif kind in ("int", "long"):
            self.piece(self.varint(kind, v, likely=likely))
        elif kind == "float":
            self.piece(f"_pf({v})")
        elif kind == "double":
            self.piece(f"_pd({v})")
        elif kind in ("string", "bytes"):
            data = v
            if kind == "string":
                data = src.var("s")
                src.line(f"{data} = {v}.encode()")
            n = src.var("n")
            src.line(f"{n} = len({data})")
            self.piece(self.length(n))
            self.piece(f"{data}")

    def varint(self, kind: str, v: str, *, likely: int = 1) -> str:
        """Expression for the zig-zag varint of int/long `v`: table lookups up to 6 bytes, a call beyond.

        `likely` (1-3 table lookups) puts the usual size of a logical type first: days since 1970 take
        two lookups, epoch milliseconds three.
        """
        z = self.src.var("z")
        self.src.line(f"{z} = ({v} << 1) ^ ({v} >> 63)")
        one, two = f"_V[{z}]", f"_C[{z} & 16383] + _V[{z} >> 14]"
        if kind == "int":  # the checked call also rejects values beyond 32 bits
            chain = f"{one} if {z} < {_T} else {two} if {z} < {_wire.TWO_CHUNKS} else _wint({v})"
            if likely == 2:
                return f"{two} if {_T} <= {z} < {_wire.TWO_CHUNKS} else {chain}"
            return chain
        three = f"_C[{z} & 16383] + _C[({z} >> 14) & 16383] + _V[{z} >> 28]"
        chain = (f"{one} if {z} < {_T} else {two} if {z} < {_wire.TWO_CHUNKS} else "
                 f"{three} if {z} < {_wire.THREE_CHUNKS} else _wlong({v})")
        if likely == 3:
            return f"{three} if {_wire.TWO_CHUNKS} <= {z} < {_wire.THREE_CHUNKS} else {chain}"
        if likely == 2:
            return f"{two} if {_T} <= {z} < {_wire.TWO_CHUNKS} else {chain}"
        return chain

    def reference(self, name: str, v: str, *, in_union: bool) -> None:
        definition = self.named[name]
        if type_of(definition) not in ("record", "error"):
            self.write(definition, v, in_union=in_union)
            return
        function = self.functions.get(name)
        if function is None:
            function = self.functions[name] = f"_w{len(self.functions)}"
            saved, self.pending, fresh, self.fresh = self.pending, [], self.fresh, False
            with self.src.function(f"def {function}(b, d):"):
                self.record(definition, "d")
                self.flush()
            self.pending, self.fresh = saved, fresh
        self.flush()
        self.src.line(f"{function}(b, {v})")

    def record(self, node: dict[str, Any], v: str) -> None:
        for field in node["fields"]:
            value, name = self.src.var(), field["name"]
            if "default" in field or null_in(field["type"]):
                # fastavro writes a missing field as its default, or None when "null" is in its type
                default = self.src.const(field.get("default"), "D")
                self.src.line(f"{value} = {v}.get({name!r}, {default})")
            else:
                self.src.line(f"{value} = {v}[{name!r}]")
            self.write(field["type"], value)

    def array(self, node: dict[str, Any], v: str, *, in_union: bool) -> None:
        src = self.src
        seq, n, item = src.var("a"), src.var("n"), src.var("x")
        src.line(f"{seq} = {v} if type({v}) is list else {'_useq' if in_union else '_seq'}({v})")
        src.line(f"{n} = len({seq})")
        with self.block(f"if {n}:"):
            self.piece(self.length(n))
            with self.block(f"for {item} in {seq}:"):
                self.write(node["items"], item)
        self.piece("b'\\x00'")

    def map(self, node: dict[str, Any], v: str) -> None:
        src = self.src
        mapping, n, key, kb, kn, value = (src.var(p) for p in ("m", "n", "k", "s", "n", "x"))
        src.line(f"{mapping} = {v} if type({v}) is dict else _map({v})")
        src.line(f"{n} = len({mapping})")
        with self.block(f"if {n}:"):
            self.piece(self.length(n))
            with self.block(f"for {key}, {value} in {mapping}.items():"):
                src.line(f"{kb} = {key}.encode()")
                src.line(f"{kn} = len({kb})")
                self.piece(self.length(kn))
                self.piece(f"{kb}")
                self.write(node["values"], value)
        self.piece("b'\\x00'")

    def union(self, branches: list[Any], v: str) -> None:
        src = self.src
        index_bytes = [_wire.VARINT[i << 1] if (i << 1) < _T else _wire.write_length(i) for i in range(len(branches))]
        nulls = [i for i, b in enumerate(branches) if type_of(b) == "null"]
        others = [i for i in range(len(branches)) if i not in nulls]
        if len(branches) == 2 and len(nulls) == 1:
            other = others[0]
            with self.block(f"if {v} is None:"):
                self.piece(f"{index_bytes[nulls[0]]!r}")
            with self.block("else:"):
                self.piece(f"{index_bytes[other]!r}")
                self.write(branches[other], v, in_union=True)
            return
        select = make_selector(branches, self.named)
        chosen = src.var("i")
        if is_primitive_union(branches):
            self.primitive_union_dispatch(branches, v, chosen, select)
        else:
            if nulls:
                with self.block(f"if {v} is None:"):
                    src.line(f"{chosen} = {nulls[0]}")
                with self.block("else:"):
                    src.line(f"{chosen}, {v} = {src.const(select, 'sel')}({v})")
            else:
                self.flush()
                src.line(f"{chosen}, {v} = {src.const(select, 'sel')}({v})")
        for i, branch in enumerate(branches):
            with self.block(f"{'if' if i == 0 else 'elif'} {chosen} == {i}:"):
                self.piece(f"{index_bytes[i]!r}")
                self.write(branch, v, in_union=True)

    def primitive_union_dispatch(self, branches: list[Any], v: str, chosen: str, select: Any) -> None:
        src, answer = self.src, probe(select)
        t = src.var("t")
        src.line(f"{t} = type({v})")
        fallback = f"{chosen}, {v} = {src.const(select, 'sel')}({v})"
        nulls = [i for i, b in enumerate(branches) if type_of(b) == "null"]
        cases: list[tuple[str, str]] = []
        if nulls:
            cases.append((f"{v} is None", f"{chosen} = {nulls[0]}"))
        for label, test in (("str", "str"), ("float", "float"), ("bool", "bool"), ("bytes", "bytes"),
                            ("bytearray", "bytearray")):
            if answer[label] is not None:
                cases.append((f"{t} is {test}", f"{chosen} = {answer[label]}"))
        small, large = answer["int32"], answer["int64"]
        if small is not None or large is not None:
            cases.append((f"{t} is int and {INT_RANGE[0]} <= {v} <= {INT_RANGE[1]}",
                          f"{chosen} = {small}" if small is not None else fallback))
            cases.append((f"{t} is int and {LONG_RANGE[0]} <= {v} <= {LONG_RANGE[1]}",
                          f"{chosen} = {large}" if large is not None else fallback))
        for i, (test, action) in enumerate(cases):
            with self.block(f"{'if' if i == 0 else 'elif'} {test}:"):
                src.line(action)
        if cases:
            with self.block("else:"):
                src.line(fallback)
        else:
            self.flush()
            src.line(fallback)


def generate_encoder(
    parsed: Any, named: dict[str, Any], *, prefix: bytes = b"", optimistic: bool = False
) -> Callable[[Any], bytes]:
    """Generate, compile and return `encode(datum) -> prefix + body` for a fastavro-parsed schema.

    `optimistic=True` leaves out the range checks of length prefixes (strings, bytes, blocks of 8 KiB
    and more raise IndexError instead): the fast first try, backed by the checked encoder.
    """
    gen = _EncoderGenerator(named, optimistic=optimistic)
    with gen.src.function("def encode(d):"):
        gen.first = [gen.src.const(bytes(prefix), "PREFIX")] if prefix else []
        gen.write(parsed, "d")
        gen.flush()
        gen.src.line("return b''.join(b)")
    namespace = gen.src.build("<mesh-avro-encoder>")
    encode: Callable[[Any], bytes] = namespace["encode"]
    return encode
