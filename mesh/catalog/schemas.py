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
from confluent_kafka.schema_registry.error import SchemaRegistryError

from mesh.catalog.fields import MASKED, classification_of, mask
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
        self._versions: dict[tuple[str, int], Version] = {}
        self._decoder: Consumer | None = None

    def client(self) -> SchemaRegistryClient:
        """The registry client (created on first use)."""
        if self._client is None:
            self._client = SchemaRegistryClient({"url": self._settings.registry.url})
        return self._client

    def versions(self, subject: str) -> list[Version]:
        """Every live version of `subject`, oldest first; empty when the subject is not registered."""
        try:
            numbers = self.client().get_versions(subject)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404:
                return []
            raise RegistryError(f"The registry refused to list versions of {subject!r}: {exc.error_message}",
                                hint="check MESH_REGISTRY__URL") from exc
        except Exception as exc:
            raise RegistryError(f"Cannot reach the schema registry at {self._settings.registry.url}: {exc}",
                                hint="start it (`mesh registry serve`) or fix MESH_REGISTRY__URL") from exc
        return [self.version(subject, n) for n in numbers]

    def version(self, subject: str, number: int) -> Version:
        """One version (fetched once: versions never change)."""
        cached = self._versions.get((subject, number))
        if cached is None:
            found = self.client().get_version(subject, number)
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
