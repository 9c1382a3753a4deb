"""The part of a schema registry provisioning needs, behind a protocol: Confluent's client or a fake.

`ConfluentRegistrar` talks to any Confluent-compatible registry through confluent-kafka's
`SchemaRegistryClient` (the one registry client of the mesh). `InMemoryRegistrar` keeps subjects in
dicts, for unit tests (confluent's `mock://` client has no compatibility configuration).
"""

from __future__ import annotations

from typing import Protocol

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from mesh.core.errors import RegistryError


class Registrar(Protocol):
    """Look up, register and configure schemas by subject."""

    def is_registered(self, subject: str, schema_text: str) -> bool:
        """Whether this exact schema is a version of the subject."""
        ...

    def register(self, subject: str, schema_text: str) -> int:
        """Register the schema under the subject (idempotent); returns its id."""
        ...

    def compatibility(self, subject: str) -> str | None:
        """The subject-level compatibility level, None when the subject has none of its own."""
        ...

    def set_compatibility(self, subject: str, level: str) -> None:
        """Set the subject-level compatibility level."""
        ...


def _registry_error(action: str, subject: str, exc: SchemaRegistryError) -> RegistryError:
    error = RegistryError(f"Schema registry refused to {action} subject {subject!r}: {exc.error_message}",
                          hint="check the schema against the subject's history (`mesh schemas check`) and the URL")
    error.http_status, error.error_code = exc.http_status_code, exc.error_code
    return error


class ConfluentRegistrar:
    """A `Registrar` over confluent-kafka's `SchemaRegistryClient`."""

    def __init__(self, client: SchemaRegistryClient) -> None:
        self._client = client

    @classmethod
    def for_url(cls, url: str) -> ConfluentRegistrar:
        """A registrar for the registry at `url` (no request is made here)."""
        return cls(SchemaRegistryClient({"url": url}))

    def is_registered(self, subject: str, schema_text: str) -> bool:
        try:
            self._client.lookup_schema(subject, Schema(schema_text, "AVRO"))
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                return False
            raise _registry_error("look up a schema in", subject, exc) from exc
        return True

    def register(self, subject: str, schema_text: str) -> int:
        try:
            return self._client.register_schema(subject, Schema(schema_text, "AVRO"))
        except SchemaRegistryError as exc:
            raise _registry_error("register a schema in", subject, exc) from exc

    def compatibility(self, subject: str) -> str | None:
        try:
            return self._client.get_compatibility(subject)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                return None
            raise _registry_error("read the compatibility of", subject, exc) from exc

    def set_compatibility(self, subject: str, level: str) -> None:
        try:
            self._client.set_compatibility(subject_name=subject, level=level)
        except SchemaRegistryError as exc:
            raise _registry_error("set the compatibility of", subject, exc) from exc


class InMemoryRegistrar:
    """A `Registrar` in dicts, for tests: ids count up, compatibility levels are stored, not enforced."""

    def __init__(self) -> None:
        self.versions: dict[str, list[str]] = {}
        self.levels: dict[str, str] = {}
        self.ids: dict[str, int] = {}

    def is_registered(self, subject: str, schema_text: str) -> bool:
        return schema_text in self.versions.get(subject, [])

    def register(self, subject: str, schema_text: str) -> int:
        versions = self.versions.setdefault(subject, [])
        if schema_text not in versions:
            versions.append(schema_text)
        return self.ids.setdefault(schema_text, len(self.ids) + 1)

    def compatibility(self, subject: str) -> str | None:
        return self.levels.get(subject)

    def set_compatibility(self, subject: str, level: str) -> None:
        self.levels[subject] = level
