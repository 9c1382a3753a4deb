"""The semantic layer over resolution: logical-type and unit changes that Avro resolution lets through.

Avro resolves by physical type, so `bytes (decimal)` -> `string`, `timestamp-millis` -> `timestamp-micros`
or `date` -> `int` are "compatible" while every reader gets wrong values. This walk pairs every field
the reader and writer schemas share (by name or the reader's aliases, through nested records, arrays,
maps and union branches chosen as Avro chooses them) and compares the leaves' logical types:

    DECIMAL_REPRESENTATION_CHANGED  ERROR    decimal <-> string, bytes, double, ... (any non-decimal)
    TIME_UNIT_CHANGED               ERROR    millis <-> micros <-> nanos of the same time family
    LOGICAL_TYPE_DROPPED            ERROR    the writer's logical type is gone in the reader
    LOGICAL_TYPE_ADDED              ERROR    the reader adds a logical type to a plain writer value
    LOGICAL_TYPE_CHANGED            ERROR    another logical type (date -> timestamp, UTC -> local time)
    DECIMAL_SCALE_CHANGED           ERROR    decimal scale differs (123.45 read as 12.345)
    ENUM_SYMBOL_READ_AS_DEFAULT     WARNING  writer symbols the reader lacks become its default symbol
    DECIMAL_PRECISION_LOWERED       WARNING  the reader's decimal precision is below the writer's

`semantic_pair(reader, writer)` mirrors `check_pair` (paths into the reader); `semantic_check(new,
history, level)` mirrors `check` (paths into the new schema, each finding names its version).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from mesh.compat.index import SchemaIndex
from mesh.compat.levels import DIRECTIONS, NEW_READS_OLD, TRANSITIVE, Level, to_level
from mesh.compat.messages import pointer
from mesh.compat.resolution import Resolver, Segment, classify
from mesh.compat.schema import ParsedSchema, schema_index
from mesh.compat.semantic_values import UNITS, Leaf, leaf_of, reads_as
from mesh.compat.validation import PRIMITIVES


class SemanticKind(StrEnum):
    """The kinds of semantic break (see the module docstring)."""

    DECIMAL_REPRESENTATION_CHANGED = "DECIMAL_REPRESENTATION_CHANGED"
    TIME_UNIT_CHANGED = "TIME_UNIT_CHANGED"
    LOGICAL_TYPE_DROPPED = "LOGICAL_TYPE_DROPPED"
    LOGICAL_TYPE_ADDED = "LOGICAL_TYPE_ADDED"
    LOGICAL_TYPE_CHANGED = "LOGICAL_TYPE_CHANGED"
    DECIMAL_SCALE_CHANGED = "DECIMAL_SCALE_CHANGED"
    ENUM_SYMBOL_READ_AS_DEFAULT = "ENUM_SYMBOL_READ_AS_DEFAULT"
    DECIMAL_PRECISION_LOWERED = "DECIMAL_PRECISION_LOWERED"


WARNINGS = frozenset({SemanticKind.ENUM_SYMBOL_READ_AS_DEFAULT, SemanticKind.DECIMAL_PRECISION_LOWERED})
"""Kinds that lose information without corrupting values: warnings, not errors."""

_MAJOR = "or publish the change as a new major version (a new subject)"


@dataclass(frozen=True)
class SemanticFinding:
    """One semantic break on one shared field.

    `field` is the dotted field path (`lines[].amount`, `prices{}`, `payer.amount`), `path` the JSON
    pointer; `old_type`/`new_type` the field's type in the old (deployed) and new schema (in
    `semantic_pair`: writer and reader); `example` what a reader sees; `hint` the fix.
    """

    kind: SemanticKind
    field: str
    path: str
    old_type: str
    new_type: str
    example: str
    hint: str
    version: int | None = None

    @property
    def is_warning(self) -> bool:
        """True for kinds that lose information but do not corrupt values."""
        return self.kind in WARNINGS

    def line(self) -> str:
        """One human line: kind, field path, both types, the example and the fix."""
        against = f" (against version {self.version})" if self.version is not None else ""
        return (f"{self.kind.value} at field {self.field} ({self.path}){against}: {self.old_type} becomes "
                f"{self.new_type}; a reader {self.example}. Fix: {self.hint}")


class _Hit(NamedTuple):
    kind: SemanticKind
    reader_path: tuple[Segment, ...]
    writer_path: tuple[Segment, ...]
    reader_field: str
    writer_field: str
    reader_type: str
    writer_type: str
    example: str
    detail: str


def leaf_kind(writer: Leaf, reader: Leaf) -> SemanticKind | None:
    """The semantic break of reading `writer` values as `reader`, None when the meaning is kept."""
    wl, rl = writer.logical, reader.logical
    if wl == rl == "decimal":
        if writer.scale != reader.scale:
            return SemanticKind.DECIMAL_SCALE_CHANGED
        return SemanticKind.DECIMAL_PRECISION_LOWERED if reader.precision < writer.precision else None
    if wl == rl:
        return None
    if "decimal" in (wl, rl):
        return SemanticKind.DECIMAL_REPRESENTATION_CHANGED
    if wl is None:
        return SemanticKind.LOGICAL_TYPE_ADDED
    if rl is None:
        return SemanticKind.LOGICAL_TYPE_DROPPED
    if wl in UNITS and rl in UNITS and UNITS[wl][0] == UNITS[rl][0]:
        return SemanticKind.TIME_UNIT_CHANGED
    return SemanticKind.LOGICAL_TYPE_CHANGED


def _hint(kind: SemanticKind, name: str, old: str, detail: str) -> str:
    if kind is SemanticKind.ENUM_SYMBOL_READ_AS_DEFAULT:
        return f"keep symbol(s) {detail} in the reader's enum so their values survive, {_MAJOR}"
    if kind is SemanticKind.DECIMAL_PRECISION_LOWERED:
        return f"keep the precision of {old}, or make sure no writer exceeds the new one, {_MAJOR}"
    return (f"keep field '{name}' as {old}; for the new type add a new field (e.g. '{name}_v2') with a default,"
            f" write both while readers move, then deprecate '{name}', {_MAJOR}")


class _Walker:
    """Walks a reader and a writer schema together, collecting `_Hit`s."""

    def __init__(self, reader: SchemaIndex, writer: SchemaIndex) -> None:
        self.matcher = Resolver(reader, writer)
        self.reader, self.writer = reader, writer
        self.active: set[tuple[str, str]] = set()
        self.hits: list[_Hit] = []

    def walk(self, rnode: Any, wnode: Any, rpath: tuple[Segment, ...], wpath: tuple[Segment, ...],
             rfield: str, wfield: str) -> None:
        if type(rnode) is str and type(wnode) is str and rnode in PRIMITIVES and wnode in PRIMITIVES:
            return  # two plain primitives: no logical type on either side
        rprint = Resolver._print(rnode, self.reader.fingerprints, self.reader.named_fingerprints)
        if rprint is not None and rprint == Resolver._print(wnode, self.writer.fingerprints,
                                                             self.writer.named_fingerprints):
            return  # structurally identical sub-schemas: nothing can have changed meaning
        rkind, rdef = classify(rnode, self.reader.named)
        wkind, wdef = classify(wnode, self.writer.named)
        if wkind == "union":
            for position, branch in enumerate(wdef):
                bkind, bdef = classify(branch, self.writer.named)
                if rkind != "union":
                    self.walk(rnode, branch, rpath, (*wpath, position), rfield, wfield)
                    continue
                chosen = self._branch(rdef, bkind, bdef)
                if chosen is not None:
                    self.walk(rdef[chosen], branch, (*rpath, chosen), (*wpath, position), rfield, wfield)
            return
        if rkind == "union":
            chosen = self._branch(rdef, wkind, wdef)
            if chosen is not None:
                self.walk(rdef[chosen], wnode, (*rpath, chosen), wpath, rfield, wfield)
            return
        if rkind == wkind and rkind in ("array", "map"):
            part, mark = ("items", "[]") if rkind == "array" else ("values", "{}")
            self.walk(rdef[part], wdef[part], (*rpath, part), (*wpath, part), rfield + mark, wfield + mark)
        elif rkind == wkind == "record":
            self._record(rdef, wdef, rpath, wpath, rfield, wfield)
        elif rkind == wkind == "enum":
            self._enum(rdef, wdef, rpath, wpath, rfield, wfield)
        else:
            self._leaf(rkind, rdef, wkind, wdef, rpath, wpath, rfield, wfield)

    def _branch(self, branches: list[Any], wkind: str, wdef: Any) -> int | None:
        """The reader branch Avro picks; else, for a plain value, the union's only non-null branch (Avro
        rejects the data then, but the value's meaning still changes: decimal -> ["null", "double"])."""
        chosen = self.matcher.select(branches, wkind, wdef)
        if chosen is not None or wkind in ("null", "union"):
            return chosen
        others = [position for position, branch in enumerate(branches) if branch != "null"]
        return others[0] if len(others) == 1 else None

    def _record(self, rdef: Mapping[str, Any], wdef: Mapping[str, Any], rpath: tuple[Segment, ...],
                wpath: tuple[Segment, ...], rfield: str, wfield: str) -> None:
        key = (rdef["name"], wdef["name"])
        if key in self.active:
            return  # a recursive occurrence: its fields are being walked already
        self.active.add(key)
        writer_fields = self.writer.fields.get(wdef["name"], {})
        for name, aliases, _, position, reader_print, field in self.reader.layouts.get(rdef["name"], ()):
            entry = writer_fields.get(name)
            for alias in aliases:
                if entry is not None:
                    break
                entry = writer_fields.get(alias)
            if entry is None or (reader_print is not None and reader_print == entry[2]):
                continue  # not shared, or an identical type: nothing can have changed
            wposition, wfield_def, _ = entry
            self.walk(field["type"], wfield_def["type"], (*rpath, "fields", position, "type"),
                      (*wpath, "fields", wposition, "type"), _join(rfield, name), _join(wfield, wfield_def["name"]))
        self.active.discard(key)

    def _enum(self, rdef: Mapping[str, Any], wdef: Mapping[str, Any], rpath: tuple[Segment, ...],
              wpath: tuple[Segment, ...], rfield: str, wfield: str) -> None:
        symbols = set(rdef["symbols"])
        missing = [symbol for symbol in wdef["symbols"] if symbol not in symbols]
        if not missing or "default" not in rdef:
            return  # without a reader default, resolution itself fails (MISSING_ENUM_SYMBOLS)
        listed = ", ".join(missing)
        example = f"reads {missing[0]!r} as the default {rdef['default']!r} (every {listed} becomes it)"
        self.hits.append(_Hit(SemanticKind.ENUM_SYMBOL_READ_AS_DEFAULT, (*rpath, "symbols"), (*wpath, "symbols"),
                              rfield, wfield, f"enum {rdef['name']}", f"enum {wdef['name']}", example, listed))

    def _leaf(self, rkind: str, rdef: Any, wkind: str, wdef: Any, rpath: tuple[Segment, ...],
              wpath: tuple[Segment, ...], rfield: str, wfield: str) -> None:
        reader, writer = leaf_of(rkind, rdef), leaf_of(wkind, wdef)
        if reader is None or writer is None:
            return
        kind = leaf_kind(writer, reader)
        if kind is not None:
            self.hits.append(_Hit(kind, rpath, wpath, rfield, wfield, reader.describe(), writer.describe(),
                                  reads_as(writer, reader), ""))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _walk(reader: ParsedSchema, writer: ParsedSchema) -> list[_Hit]:
    walker = _Walker(schema_index(reader), schema_index(writer))
    walker.walk(reader.parsed, writer.parsed, (), (), "", "")
    return walker.hits


def _finding(hit: _Hit, *, new_is_reader: bool, version: int | None) -> SemanticFinding:
    old, new = (hit.writer_type, hit.reader_type) if new_is_reader else (hit.reader_type, hit.writer_type)
    field = (hit.reader_field if new_is_reader else hit.writer_field) or "(the whole value)"
    path = pointer(hit.reader_path if new_is_reader else hit.writer_path)
    name = field.rsplit(".", 1)[-1].rstrip("[]{}") or "value"
    return SemanticFinding(hit.kind, field, path, old, new, hit.example, _hint(hit.kind, name, old, hit.detail),
                           version)


def semantic_pair(reader: ParsedSchema, writer: ParsedSchema) -> tuple[SemanticFinding, ...]:
    """Semantic breaks when `reader` decodes data written with `writer` (old = writer, new = reader)."""
    return tuple(_finding(hit, new_is_reader=True, version=None) for hit in _walk(reader, writer))


def semantic_check(new: ParsedSchema, history: Sequence[tuple[int, ParsedSchema]],
                   level: Level | str) -> tuple[SemanticFinding, ...]:
    """Semantic breaks of `new` against the live versions `history` in the directions `level` checks.

    Same versions and directions as `mesh.compat.check`; under FULL a break seen both ways is
    reported once per path and version, as the first direction sees it (the new schema reading old data).
    """
    chosen = to_level(level)
    directions = DIRECTIONS[chosen]
    if not directions or not history:
        return ()
    versions = list(history) if chosen in TRANSITIVE else list(history[-1:])
    found: dict[tuple[str, int], SemanticFinding] = {}
    for version, old in reversed(versions):
        for direction in directions:
            new_reads = direction is NEW_READS_OLD
            hits = _walk(new, old) if new_reads else _walk(old, new)
            for hit in hits:
                item = _finding(hit, new_is_reader=new_reads, version=version)
                found.setdefault((item.path, version), item)
    return tuple(found.values())

