"""The public checks: one reader/writer pair, and a new schema against its history at a level."""

from __future__ import annotations

from collections.abc import Sequence

from mesh.compat.levels import DIRECTIONS, NEW_READS_OLD, TRANSITIVE, Level, to_level
from mesh.compat.messages import Sides, pointer, render
from mesh.compat.resolution import resolve
from mesh.compat.result import CompatibilityResult, Incompatibility
from mesh.compat.schema import ParsedSchema, schema_index


def check_pair(reader: ParsedSchema, writer: ParsedSchema) -> tuple[Incompatibility, ...]:
    """Why `reader` cannot decode every datum written with `writer` (empty: it can).

    Paths point into the READER schema; `version` is None.
    """
    rindex, windex = schema_index(reader), schema_index(writer)
    found = resolve(reader.parsed, writer.parsed, rindex, windex)
    if not found:
        return ()
    sides = Sides("the reader schema", "the writer schema", None, rindex.named, windex.named)
    return tuple(Incompatibility(f.kind.value, pointer(f.reader_path), *render(f, sides)) for f in found)


def check(new: ParsedSchema, history: Sequence[tuple[int, ParsedSchema]], level: Level | str) -> CompatibilityResult:
    """Check `new` against the live versions `history` (oldest -> newest) at `level`.

    BACKWARD: the new schema reads old data; FORWARD: old schemas read new data; FULL: both.
    Transitive levels compare with every live version (newest first), the others with the latest.
    Paths point into the NEW schema; each incompatibility names the version it conflicts with.
    """
    chosen = to_level(level)
    directions = DIRECTIONS[chosen]
    if not directions or not history:
        return CompatibilityResult()
    versions = list(history) if chosen in TRANSITIVE else list(history[-1:])
    new_index = schema_index(new)
    found: list[Incompatibility] = []
    for version, old in reversed(versions):
        old_index = schema_index(old)
        for direction in directions:
            if direction is NEW_READS_OLD:
                sides = Sides("the new schema", f"version {version}", "reader", new_index.named, old_index.named)
                pairs = resolve(new.parsed, old.parsed, new_index, old_index)
                found.extend(Incompatibility(f.kind.value, pointer(f.reader_path), *render(f, sides), version)
                             for f in pairs)
            else:
                sides = Sides(f"version {version}", "the new schema", "writer", old_index.named, new_index.named)
                pairs = resolve(old.parsed, new.parsed, old_index, new_index)
                found.extend(Incompatibility(f.kind.value, pointer(f.writer_path), *render(f, sides), version)
                             for f in pairs)
    return CompatibilityResult(tuple(found))
