"""Read-only answers of the REST API, computed from the registry state (no writes, no I/O)."""

from __future__ import annotations

from typing import Any

from mesh.registry.errors import (
    InvalidVersionError,
    SchemaNotFoundError,
    SubjectNotFoundError,
    VersionNotFoundError,
    clip,
)
from mesh.registry.state import RegistryState, VersionEntry

MAX_VERSION = 2**31 - 1


def number(text: str) -> int | None:
    """`text` as an int in [1, 2^31-1] if it is ASCII digits only, else None.

    Never `str.isdigit()`: it also takes superscripts and other scripts' digits ('³', '١').
    """
    if 0 < len(text) <= 10 and text.isascii() and text.isdigit():
        value = int(text)
        if 1 <= value <= MAX_VERSION:
            return value
    return None


def parse_version(text: str) -> int | None:
    """A version path segment: a number in [1, 2^31-1], or `latest` / -1 (None); 42202 otherwise."""
    if text == "latest" or text == "-1":
        return None
    value = number(text)
    if value is None:
        raise InvalidVersionError(clip(text))
    return value


def parse_id(text: str) -> int:
    """A schema id path segment; anything that is not a positive number is an unknown schema."""
    value = number(text)
    if value is None:
        raise SchemaNotFoundError(
            f"Schema {clip(text)!r} not found: schema ids are positive integers", hint="check the id"
        )
    return value


def version_entry(state: RegistryState, subject: str, version: int | None, *, deleted: bool = False) -> VersionEntry:
    """One version of a subject (None: the latest), 40401/40402 if there is no such thing."""
    entries = state.versions(subject, include_deleted=deleted)
    if not entries:
        raise SubjectNotFoundError(subject)
    if version is None:
        return entries[-1]
    for entry in entries:
        if entry.version == version:
            return entry
    raise VersionNotFoundError(subject, version)


def version_body(state: RegistryState, entry: VersionEntry) -> dict[str, Any]:
    """`{"subject", "version", "id", "schema", ...}` as in GET /subjects/{s}/versions/{v}."""
    body: dict[str, Any] = {"subject": entry.subject, "version": entry.version, "id": entry.schema_id}
    body.update(state.schemas[entry.schema_id].to_json())
    return body


def subject_versions(state: RegistryState, subject: str, *, deleted: bool = False) -> list[int]:
    """GET /subjects/{subject}/versions."""
    entries = state.versions(subject, include_deleted=deleted)
    if not entries:
        raise SubjectNotFoundError(subject)
    return [e.version for e in entries]


def subjects(state: RegistryState, *, deleted: bool = False, prefix: str = "") -> list[str]:
    """GET /subjects."""
    return [s for s in state.subject_names(include_deleted=deleted) if s.startswith(prefix)]


def schema_by_id(state: RegistryState, schema_id: int) -> dict[str, Any]:
    """GET /schemas/ids/{id}, whatever `?subject=` says.

    As in Confluent's registry the subject only selects a schema context, and this registry has
    one: confluent-kafka's deserializers send `?subject=<topic>-value` even when the writer
    registered under another subject (products use `<topic>-<record name>`).
    """
    if not state.uses_of(schema_id, include_deleted=True):
        raise SchemaNotFoundError(f"Schema {schema_id} not found", hint="check the id")
    return state.schemas[schema_id].to_json()


def id_versions(state: RegistryState, schema_id: int, *, deleted: bool = False) -> list[dict[str, Any]]:
    """GET /schemas/ids/{id}/versions."""
    schema_by_id(state, schema_id)
    return [{"subject": e.subject, "version": e.version} for e in state.uses_of(schema_id, include_deleted=deleted)]


def id_subjects(state: RegistryState, schema_id: int, *, deleted: bool = False) -> list[str]:
    """GET /schemas/ids/{id}/subjects."""
    schema_by_id(state, schema_id)
    return sorted({e.subject for e in state.uses_of(schema_id, include_deleted=deleted)})


def referenced_by(state: RegistryState, subject: str, version: int | None) -> list[int]:
    """GET /subjects/{subject}/versions/{version}/referencedby."""
    entry = version_entry(state, subject, version)
    return state.referenced_by(subject, entry.version)
