"""What a compatibility check returns: the incompatibilities found, each with kind, path, version, hint.

Paths are JSON-pointer-like locations inside a schema, Confluent style: `/` is the root,
`/fields/3/type` the type of the fourth field, `/fields/3/type/1` the second branch of that union,
`/items`, `/values`, `/symbols`, `/size`, `/name` as in the schema JSON. Where a named type is used
by name, the path continues inside its definition as if it were written in place.
`check` reports paths inside the NEW schema; `check_pair` reports paths inside the READER schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The kinds of incompatibility (Avro/Confluent names, upper case, plus DECIMAL_MISMATCH)."""

    READER_FIELD_MISSING_DEFAULT_VALUE = "READER_FIELD_MISSING_DEFAULT_VALUE"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    MISSING_UNION_BRANCH = "MISSING_UNION_BRANCH"
    MISSING_ENUM_SYMBOLS = "MISSING_ENUM_SYMBOLS"
    NAME_MISMATCH = "NAME_MISMATCH"
    FIXED_SIZE_MISMATCH = "FIXED_SIZE_MISMATCH"
    DECIMAL_MISMATCH = "DECIMAL_MISMATCH"


@dataclass(frozen=True)
class Incompatibility:
    """One reason a reader cannot decode a writer's data."""

    kind: str
    path: str
    message: str
    hint: str
    version: int | None = None

    def line(self) -> str:
        """One human line: kind, path, version, message and hint."""
        against = f" (against version {self.version})" if self.version is not None else ""
        return f"{self.kind} at {self.path}{against}: {self.message}. Fix: {self.hint}"


@dataclass(frozen=True)
class CompatibilityResult:
    """Every incompatibility found; compatible when there are none."""

    incompatibilities: tuple[Incompatibility, ...] = ()

    @property
    def is_compatible(self) -> bool:
        """True when no incompatibility was found."""
        return not self.incompatibilities

    def messages(self) -> list[str]:
        """One human line per incompatibility, with path, version and hint."""
        return [item.line() for item in self.incompatibilities]
