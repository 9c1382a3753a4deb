"""The part of a schema registry provisioning needs, behind a protocol: Confluent's client or a fake.

`ConfluentRegistrar` talks to any Confluent-compatible registry through confluent-kafka's
`SchemaRegistryClient` (the one registry client of the mesh). `InMemoryRegistrar` keeps subjects in
dicts, for unit tests (confluent's `mock://` client has no compatibility configuration).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, Self, TypeVar

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from mesh.clients import RegistryUnavailableError, call_registry, close_client, registry_client
from mesh.core.errors import RegistryError
from mesh.core.settings import RegistrySettings


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


T = TypeVar("T")


class ConfluentRegistrar:
    """A `Registrar` over confluent-kafka's `SchemaRegistryClient` (errors mapped by `mesh.clients`)."""

    def __init__(self, client: SchemaRegistryClient, *, url: str = "") -> None:
        self._client = client
        self._url = url

    @classmethod
    def for_url(cls, url: str) -> ConfluentRegistrar:
        """A registrar for the registry at `url`, anonymous (no request is made here)."""
        return cls(registry_client(url), url=url)

    @classmethod
    def for_settings(cls, settings: RegistrySettings) -> ConfluentRegistrar:
        """A registrar for the configured registry, with its credentials (no request is made here)."""
        return cls(registry_client(settings), url=settings.url)

    def close(self) -> None:
        """Close the client's HTTP connections."""
        close_client(self._client)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, action: str, subject: str, call: Callable[[], T], *, missing: T | None = None) -> T | None:
        """Run one client call; 404 gives `missing`, any other failure raises a `RegistryError`."""
        try:
            return call_registry(f"{action} subject {subject!r}", call, url=self._url)
        except RegistryUnavailableError as exc:
            exc.hint = f"{exc.hint}; `mesh products apply --no-registry` provisions topics only"
            raise
        except RegistryError as exc:
            if exc.http_status == 404:
                return missing
            raise

    def is_registered(self, subject: str, schema_text: str) -> bool:
        found = self._call("look up a schema in", subject,
                           lambda: self._client.lookup_schema(subject, Schema(schema_text, "AVRO")) is not None,
                           missing=False)
        return bool(found)

    def register(self, subject: str, schema_text: str) -> int:
        schema_id = self._call("register a schema in", subject,
                               lambda: self._client.register_schema(subject, Schema(schema_text, "AVRO")))
        if schema_id is None:
            raise RegistryError(f"Schema registry answered 404 when registering in subject {subject!r}",
                                hint="check MESH_REGISTRY__URL points at a schema registry")
        return int(schema_id)

    def compatibility(self, subject: str) -> str | None:
        return self._call("read the compatibility of", subject, lambda: self._client.get_compatibility(subject))

    def set_compatibility(self, subject: str, level: str) -> None:
        self._call("set the compatibility of", subject,
                   lambda: self._client.set_compatibility(subject_name=subject, level=level))


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
