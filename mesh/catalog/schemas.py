"""What the catalog reads from the schema registry: each event type's versions, and samples decoded.

Versions are immutable, so each (subject, version) is fetched once and kept; the version list is
asked for on every product page (a new version shows at once). Samples are decoded with the SDK's
consumer decoding (writer schema by id from the registry, cached).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.catalog.fields import MASKED, classification_of, mask
from mesh.clients import call_registry, close_client, registry_client
from mesh.core.errors import MeshError, RegistryError
from mesh.core.settings import MeshSettings
from mesh.sdk.consumer import Consumer
from mesh.sdk.envelope import json_default


@dataclass(frozen=True, slots=True)
class Version:
    """One registered version of an event type's subject."""

    subject: str
    version: int
    schema_id: int
    schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Sample:
    """One recent event as the catalog shows it: attributes and masked data (or why it failed)."""

    type: str
    time: str
    key: str
    partition: int
    offset: int
    data: str
    error: str = ""


class RegistryView:
    """Schema versions by subject, through one confluent-kafka client created on first use."""

    def __init__(self, settings: MeshSettings, *, client: SchemaRegistryClient | None = None) -> None:
        self._settings = settings
        self._client = client
        self._owns_client = client is None
        self._versions: dict[tuple[str, int], Version] = {}
        self._decoder: Consumer | None = None

    def client(self) -> SchemaRegistryClient:
        """The registry client (created on first use)."""
        if self._client is None:
            self._client = registry_client(self._settings)
        return self._client

    def close(self) -> None:
        """Close the registry client if this view created it."""
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        if self._owns_client and self._client is not None:
            close_client(self._client)
            self._client = None

    def versions(self, subject: str) -> list[Version]:
        """Every live version of `subject`, oldest first; empty when the subject is not registered."""
        client = self.client()
        try:
            numbers = call_registry(f"list the versions of {subject!r}", lambda: client.get_versions(subject),
                                            url=self._settings.registry.url)
        except RegistryError as exc:
            if exc.http_status == 404:
                return []  # not registered yet: the page shows the descriptor's schema
            raise
        return [self.version(subject, n) for n in numbers]

    def version(self, subject: str, number: int) -> Version:
        """One version (fetched once: versions never change)."""
        cached = self._versions.get((subject, number))
        if cached is None:
            found = call_registry(f"read version {number} of {subject!r}",
                                         lambda: self.client().get_version(subject, number),
                                         url=self._settings.registry.url)
            cached = Version(subject, number, int(found.schema_id or -1),
                             json.loads(found.schema.schema_str if found.schema else "{}"))
            self._versions[(subject, number)] = cached
        return cached

    def samples(self, messages: list[Any], classification: Mapping[str, str], *, key_field: str) -> list[Sample]:
        """The messages decoded as CloudEvents, pii/phi data masked (and the key, if the key field is)."""
        if self._decoder is None:
            self._decoder = Consumer([], group_id="mesh-catalog", settings=self._settings, registry=self.client())
        out = []
        for message in messages:
            key = (message.key() or b"").decode("utf-8", "replace")
            if key and classification_of(key_field, classification) in MASKED:
                key = f"••• ({classification_of(key_field, classification)})"
            where = {"partition": message.partition(), "offset": message.offset()}
            try:
                event = self._decoder.decode(message)
            except MeshError as exc:
                out.append(Sample(type="?", time="", key=key, data="", error=str(exc), **where))
                continue
            masked = mask(event.data, classification)
            out.append(Sample(type=event.type, time=event.time or "", key=key,
                              data=json.dumps(masked, indent=2, default=json_default, ensure_ascii=False), **where))
        return out

