"""Which subject and compatibility level a schema file belongs to: the pluggable `SubjectResolver`.

Files that no data product descriptor names follow one fallback convention, defined only here:

    subject   the fullname of the file's top-level named type (`<namespace>.<name>`), exactly what
              Confluent's RecordNameStrategy (`record_subject_name_strategy`) gives a producer, so
              the check, `mesh schemas register` and serializers agree on the subject
    level     the file's optional top-level `"x-compatibility"` property (a level name such as
              "FULL"), else the default level (BACKWARD unless the caller says otherwise)

A resolver raises a `MeshError` when it cannot decide; the check turns that into a GOV003 finding
(a `SchemaParseError`'s `path` becomes the finding's path).

Files that a data product descriptor names get their subject from the product's topic
(`<topic>-<record fullname>`, as `mesh.core.naming` prescribes for products) and their level from
the descriptor: `assigned_resolver` takes those `Assignment`s (built by the caller from the
descriptors, since this package may not import `mesh.products`) and falls back to the convention
for every other file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mesh.compat import Level, ParsedSchema
from mesh.core.errors import ConfigurationError, SchemaParseError
from mesh.core.naming import record_subject
from mesh.governance.semantic_gate import Suppression

SubjectResolver = Callable[[Path, ParsedSchema], tuple[str, Level]]

COMPATIBILITY_PROPERTY = "x-compatibility"
_NAMED = ("record", "enum", "fixed")


def parse_level(value: object, *, where: str) -> Level:
    """A compatibility level from its name (case-insensitive); `where` names the input in the error."""
    names = ", ".join(level.value for level in Level)
    if not isinstance(value, str):
        raise ConfigurationError(f"{where}: compatibility level {value!r} is not a string", hint=f"use one of {names}")
    try:
        return Level(value.strip().upper())
    except ValueError:
        raise ConfigurationError(
            f"{where}: unknown compatibility level {value!r}", hint=f"use one of {names}"
        ) from None


def record_fullname(raw: object) -> str:
    """The fullname of a schema's top-level named type; SchemaParseError when it has none."""
    if not isinstance(raw, Mapping) or raw.get("type") not in _NAMED:
        raise SchemaParseError(
            "the top-level schema is not a named type (record, enum or fixed), so it has no subject",
            path="/type",
            hint="put one named record per file, e.g. {\"type\": \"record\", \"name\": ..., \"namespace\": ...}",
        )
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SchemaParseError("the top-level type has no name", path="/name", hint="give it a name")
    namespace = raw.get("namespace")
    if "." in name or not isinstance(namespace, str) or not namespace:
        return name
    return f"{namespace}.{name}"


def convention_resolver(*, default_level: Level | str = Level.BACKWARD) -> SubjectResolver:
    """The fallback convention above, with `default_level` for files that declare none."""
    default = parse_level(default_level, where="default compatibility level")

    def resolve(path: Path, schema: ParsedSchema) -> tuple[str, Level]:
        subject = record_fullname(schema.raw)
        declared = schema.raw.get(COMPATIBILITY_PROPERTY) if isinstance(schema.raw, Mapping) else None
        if declared is None:
            return subject, default
        try:
            return subject, parse_level(declared, where=f"{path} {COMPATIBILITY_PROPERTY}")
        except ConfigurationError as exc:
            raise SchemaParseError(exc.message, path=f"/{COMPATIBILITY_PROPERTY}", hint=exc.hint) from None

    return resolve


@dataclass(frozen=True, slots=True)
class Assignment:
    """A schema file that belongs to a product topic, with the level its owner declares.

    `owner` names where that was declared (e.g. a data product descriptor file); `suppressions` are the
    semantic rules the owner lets through for the file (`mesh.governance.semantic_gate`).
    """

    path: Path
    topic: str
    level: Level
    owner: str
    suppressions: tuple[Suppression, ...] = ()


def _key(path: Path) -> str:
    # abspath normalises without touching the file system (resolve() would follow symlinks).
    return os.path.abspath(path)


def assigned_resolver(assignments: Iterable[Assignment], *, fallback: SubjectResolver) -> SubjectResolver:
    """For an assigned file: subject `<topic>-<record fullname>` (`mesh.core.naming.record_subject`,
    TopicRecordNameStrategy) and the owner's level; for any other file: `fallback`.

    A file assigned to two topics cannot be checked as one schema: that is a GOV003 finding.
    """
    by_path: dict[str, list[Assignment]] = {}
    for assignment in assignments:
        by_path.setdefault(_key(assignment.path), []).append(assignment)

    def resolve(path: Path, schema: ParsedSchema) -> tuple[str, Level]:
        found = by_path.get(_key(path), [])
        if not found:
            return fallback(path, schema)
        if len(found) > 1:
            owners = ", ".join(f"{a.owner} ({a.topic})" for a in found)
            raise ConfigurationError(
                f"{path} is the schema of several product topics: {owners}",
                hint="give each data product version its own schema file",
            )
        return record_subject(found[0].topic, record_fullname(schema.raw)), found[0].level

    return resolve
