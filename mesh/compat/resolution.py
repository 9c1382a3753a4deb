"""The reader/writer pair check: can a reader schema decode every datum a writer schema can write.

Implements the Avro 1.12 schema-resolution rules on fastavro's parsed form, walking both schemas
together. Findings are `Found` tuples with paths RELATIVE to the node being compared, so the result
for a pair of named types can be memoized once and reused (with a prefix) wherever the pair occurs;
an in-progress pair counts as compatible, which is what terminates recursive records.

Union branch choice follows the specification: the FIRST reader branch that matches the writer's
(branch) schema is resolved against it; "match" is the spec's shallow test (same primitive or a
promotion, arrays/maps whose items/values match, named types of the same kind whose names match).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from mesh.compat.index import SchemaIndex
from mesh.compat.result import Kind
from mesh.compat.validation import PRIMITIVES

Segment = str | int

_COMPLEX = frozenset({"record", "enum", "fixed", "array", "map"})
_NAMED = frozenset({"record", "error", "enum", "fixed"})
# (writer type, reader type) pairs the spec allows besides equal types.
PROMOTIONS = frozenset(
    {
        ("int", "long"),
        ("int", "float"),
        ("int", "double"),
        ("long", "float"),
        ("long", "double"),
        ("float", "double"),
        ("string", "bytes"),
        ("bytes", "string"),
    }
)


class Found(NamedTuple):
    """One incompatibility, located in both schemas relative to the compared nodes."""

    kind: Kind
    reader_path: tuple[Segment, ...]
    writer_path: tuple[Segment, ...]
    details: Mapping[str, Any]


def _prefix(found: tuple[Found, ...], reader: tuple[Segment, ...], writer: tuple[Segment, ...]) -> list[Found]:
    return [Found(f.kind, reader + f.reader_path, writer + f.writer_path, f.details) for f in found]


def classify(node: Any, named: Mapping[str, Any]) -> tuple[str, Any]:
    """(type, definition) of a fastavro schema node; named references are looked up, `error` is a record."""
    if type(node) is str:
        if node in PRIMITIVES:
            return node, node
        node = named[node]
    elif type(node) is list:
        return "union", node
    kind = node["type"]
    if kind in PRIMITIVES or kind in _COMPLEX:
        return kind, node
    if kind == "error":
        return "record", node
    return classify(kind, named)


def describe(node: Any, named: Mapping[str, Any]) -> str:
    """A short human name for a type: `long`, `mesh.claims.Claim`, `array<string>`, `union[null, int]`."""
    kind, definition = classify(node, named)
    if kind == "union":
        return "union[" + ", ".join(describe(branch, named) for branch in definition) + "]"
    if kind == "array":
        return f"array<{describe(definition['items'], named)}>"
    if kind == "map":
        return f"map<{describe(definition['values'], named)}>"
    if kind in PRIMITIVES:
        logical = definition.get("logicalType") if type(definition) is dict else None
        return f"{kind} ({logical})" if logical else kind
    return f"{kind} {definition['name']}"


class Resolver:
    """Checks one reader schema against one writer schema; memoizes named-type pairs."""

    def __init__(self, reader: SchemaIndex, writer: SchemaIndex) -> None:
        self.reader_named = reader.named
        self.writer_named = writer.named
        self.reader_aliases = reader.aliases
        self.writer_fields = writer.fields
        self.reader_layouts = reader.layouts
        self.reader_prints = reader.fingerprints
        self.writer_prints = writer.fingerprints
        self.reader_named_prints = reader.named_fingerprints
        self.reader_unions = reader.union_choices
        self.writer_named_prints = writer.named_fingerprints
        self.memo: dict[tuple[str, str], tuple[Found, ...]] = {}

    @staticmethod
    def _print(node: Any, by_id: Mapping[int, str], by_name: Mapping[str, str]) -> str | None:
        kind = type(node)
        if kind is str:
            return node if node in PRIMITIVES else by_name.get(node)
        if kind is dict and node["type"] in _NAMED:
            return by_name.get(node["name"])
        return by_id.get(id(node))

    def resolve(self, reader: Any, writer: Any) -> tuple[Found, ...]:
        """Everything that stops `reader` from decoding data written with `writer`."""
        if type(reader) is str and type(writer) is str:  # the common leaf: two type names
            if reader in PRIMITIVES and writer in PRIMITIVES:
                if reader == writer or (writer, reader) in PROMOTIONS:
                    return ()
                return (Found(Kind.TYPE_MISMATCH, (), (), {"reader": reader, "writer": writer}),)
            memoized = self.memo.get((reader, writer))  # fastavro names types by fullname
            if memoized is not None:
                return memoized
        fingerprint = self._print(reader, self.reader_prints, self.reader_named_prints)
        if fingerprint is not None and fingerprint == self._print(writer, self.writer_prints, self.writer_named_prints):
            return ()  # structurally identical: a schema always reads its own data
        rkind, rdef = classify(reader, self.reader_named)
        wkind, wdef = classify(writer, self.writer_named)
        if wkind == "union":
            return self._writer_union(reader, rkind, rdef, wdef)
        if rkind == "union":
            branch = self.select(rdef, wkind, wdef)
            if branch is None:
                return (Found(Kind.MISSING_UNION_BRANCH, (), (), {"reader": reader, "writer": writer}),)
            inner = self.resolve(rdef[branch], writer)
            return tuple(_prefix(inner, (branch,), ())) if inner else ()
        if rkind != wkind:
            if (wkind, rkind) in PROMOTIONS:
                return ()
            return (Found(Kind.TYPE_MISMATCH, (), (), {"reader": reader, "writer": writer}),)
        if rkind in PRIMITIVES:
            if rkind == "bytes" and type(rdef) is dict and type(wdef) is dict:
                return self._decimal(rdef, wdef)
            return ()
        if rkind == "array" or rkind == "map":
            part = "items" if rkind == "array" else "values"
            inner = self.resolve(rdef[part], wdef[part])
            return tuple(_prefix(inner, (part,), (part,))) if inner else ()
        key = (rdef["name"], wdef["name"])
        memoized = self.memo.get(key)
        if memoized is not None:
            return memoized
        self.memo[key] = ()  # in progress: a recursive occurrence assumes compatible
        result = self._named(rkind, rdef, wdef)
        self.memo[key] = result
        return result

    def _writer_union(self, reader: Any, rkind: str, rdef: Any, wdef: list[Any]) -> tuple[Found, ...]:
        found: list[Found] = []
        choices = self.reader_unions.get(id(rdef)) if rkind == "union" else None
        for index, branch in enumerate(wdef):
            if rkind != "union":
                inner = self.resolve(reader, branch)
                if inner:
                    found.extend(_prefix(inner, (), (index,)))
                continue
            if choices is not None and type(branch) is str and branch in PRIMITIVES:
                chosen = choices.get(branch)  # precomputed: the first reader branch matching this primitive
                if chosen is not None and type(rdef[chosen]) is str:
                    continue  # primitive read by a plain primitive: same type or a promotion
            else:
                bkind, bdef = classify(branch, self.writer_named)
                chosen = self.select(rdef, bkind, bdef)
            if chosen is None:
                found.append(Found(Kind.MISSING_UNION_BRANCH, (), (index,), {"reader": reader, "writer": branch}))
            else:
                inner = self.resolve(rdef[chosen], branch)
                if inner:
                    found.extend(_prefix(inner, (chosen,), (index,)))
        return tuple(found)

    # -- matching (the spec's shallow test used to choose a union branch) ----------------------------

    def select(self, branches: list[Any], wkind: str, wdef: Any) -> int | None:
        """Position of the first reader branch that matches the writer schema, or None."""
        for position, branch in enumerate(branches):
            rkind, rdef = classify(branch, self.reader_named)
            if self.matches(rkind, rdef, wkind, wdef):
                return position
        return None

    def matches(self, rkind: str, rdef: Any, wkind: str, wdef: Any) -> bool:
        """The spec's "match" between a reader and a writer schema (not recursive into records)."""
        if rkind == wkind:
            if rkind in PRIMITIVES:
                return True
            if rkind in ("array", "map"):
                part = "items" if rkind == "array" else "values"
                return self.matches(*classify(rdef[part], self.reader_named),
                                    *classify(wdef[part], self.writer_named))
            if rkind == "union":
                return True  # nested writer union inside array/map: resolved branch by branch later
            if rkind == "fixed" and rdef["size"] != wdef["size"]:
                return False
            return self.names_match(rdef, wdef)
        if rkind == "union":
            return self.select(rdef, wkind, wdef) is not None
        if wkind == "union":
            return True
        return (wkind, rkind) in PROMOTIONS

    def names_match(self, rdef: Mapping[str, Any], wdef: Mapping[str, Any]) -> bool:
        """Same unqualified name, or the writer's fullname is one of the reader's aliases."""
        rname: str = rdef["name"]
        wname: str = wdef["name"]
        if rname.rpartition(".")[2] == wname.rpartition(".")[2]:
            return True
        return wname in self.reader_aliases.get(rname, ())

    # -- named types ---------------------------------------------------------------------------------

    def _named(self, kind: str, rdef: Mapping[str, Any], wdef: Mapping[str, Any]) -> tuple[Found, ...]:
        found: list[Found] = []
        if not self.names_match(rdef, wdef):
            found.append(Found(Kind.NAME_MISMATCH, ("name",), ("name",), {"reader": rdef, "writer": wdef}))
        if kind == "record":
            found.extend(self._record(rdef, wdef))
        elif kind == "enum":
            symbols = set(rdef["symbols"])
            missing = [symbol for symbol in wdef["symbols"] if symbol not in symbols]
            if missing and "default" not in rdef:
                found.append(Found(Kind.MISSING_ENUM_SYMBOLS, ("symbols",), ("symbols",),
                                   {"reader": rdef, "writer": wdef, "missing": missing}))
        else:
            if rdef["size"] != wdef["size"]:
                found.append(Found(Kind.FIXED_SIZE_MISMATCH, ("size",), ("size",), {"reader": rdef, "writer": wdef}))
            found.extend(self._decimal(rdef, wdef))
        return tuple(found)

    def _record(self, rdef: Mapping[str, Any], wdef: Mapping[str, Any]) -> list[Found]:
        found: list[Found] = []
        writer_fields = self.writer_fields[wdef["name"]]
        for name, aliases, has_default, position, reader_print, field in self.reader_layouts[rdef["name"]]:
            entry = writer_fields.get(name)
            if entry is None:
                for alias in aliases:
                    entry = writer_fields.get(alias)
                    if entry is not None:
                        break
                else:
                    if not has_default:
                        found.append(Found(Kind.READER_FIELD_MISSING_DEFAULT_VALUE, ("fields", position), (),
                                           {"field": field, "record": rdef, "writer": wdef}))
                    continue
            writer_position, writer_field, writer_print = entry
            if reader_print is not None and reader_print == writer_print:
                continue  # identical field types: nothing to check
            inner = self.resolve(field["type"], writer_field["type"])
            if inner:
                found.extend(_prefix(inner, ("fields", position, "type"), ("fields", writer_position, "type")))
        return found

    def _decimal(self, rdef: Mapping[str, Any], wdef: Mapping[str, Any]) -> tuple[Found, ...]:
        # Only decimal-vs-decimal is checked: other logical types resolve as their underlying type.
        if rdef.get("logicalType") != "decimal" or wdef.get("logicalType") != "decimal":
            return ()
        if (rdef["precision"], rdef.get("scale", 0)) == (wdef["precision"], wdef.get("scale", 0)):
            return ()
        return (Found(Kind.DECIMAL_MISMATCH, (), (), {"reader": rdef, "writer": wdef}),)


def resolve(reader: Any, writer: Any, reader_index: SchemaIndex, writer_index: SchemaIndex) -> tuple[Found, ...]:
    """Every incompatibility between fastavro-parsed `reader` and `writer`, paths relative to the roots."""
    return Resolver(reader_index, writer_index).resolve(reader, writer)
