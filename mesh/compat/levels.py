"""Compatibility levels and the table of reader/writer directions each level checks.

A level says which directions to check (the new schema reads old data, old readers read new data, or
both) and against which live versions (the latest only, or every one for the transitive levels).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from mesh.core.errors import SchemaError


class Level(StrEnum):
    """A Confluent compatibility level; the value is the upper-case name the REST API uses."""

    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"


class Direction(StrEnum):
    """Who reads whom: the new schema as reader of old data, or old schemas as readers of new data."""

    NEW_READS_OLD = "NEW_READS_OLD"
    OLD_READS_NEW = "OLD_READS_NEW"


NEW_READS_OLD = Direction.NEW_READS_OLD
OLD_READS_NEW = Direction.OLD_READS_NEW

DIRECTIONS: Mapping[Level, tuple[Direction, ...]] = MappingProxyType(
    {
        Level.NONE: (),
        Level.BACKWARD: (NEW_READS_OLD,),
        Level.BACKWARD_TRANSITIVE: (NEW_READS_OLD,),
        Level.FORWARD: (OLD_READS_NEW,),
        Level.FORWARD_TRANSITIVE: (OLD_READS_NEW,),
        Level.FULL: (NEW_READS_OLD, OLD_READS_NEW),
        Level.FULL_TRANSITIVE: (NEW_READS_OLD, OLD_READS_NEW),
    }
)
"""Level -> the directions it checks, in the order findings are reported."""

TRANSITIVE: frozenset[Level] = frozenset(
    {Level.BACKWARD_TRANSITIVE, Level.FORWARD_TRANSITIVE, Level.FULL_TRANSITIVE}
)
"""Levels that compare with every live version instead of the latest one."""


def to_level(level: Level | str) -> Level:
    """The `Level` for a level or its name (case-insensitive); raises `SchemaError` on an unknown name."""
    if isinstance(level, Level):
        return level
    try:
        return Level(str(level).strip().upper())
    except ValueError:
        raise SchemaError(
            f"Unknown compatibility level {level!r}",
            hint="use one of " + ", ".join(member.value for member in Level),
        ) from None
