"""The faust integration: a faust `Schema` that reads and writes mesh events (CloudEvents + Avro).

faust-streaming is no longer the mesh's engine (see `mesh.processing.application`), but teams that run
faust apps can read and write data products with it:

    schema = EventSchema(settings=settings)                         # decode with the SDK's event reader
    topic = app.topic("prod.claims.claims.v1", schema=schema)
    async for event in agent_stream: ...                            # mesh.sdk.Event objects

    await topic.send(key=b"k", value=Outgoing(*encoder.encode(TYPE, data, time=now)))  # writing

Reading goes through the SDK's one event reader (`mesh.sdk.reader.EventReader`), so a faust agent sees
exactly the `Event` a `mesh.Consumer` sees; a message that is no event raises the reader's `POISON`
error (faust logs it and skips the message; dead-letter it yourself if you need to keep it).
Writing takes an `Outgoing` (framed Avro + `ce_*` headers from `mesh.processing.bridge.EventEncoder`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import faust
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.settings import MeshSettings
from mesh.processing.serdes import Outgoing
from mesh.sdk.envelope import Event
from mesh.sdk.reader import EventReader
from mesh.sdk.schemas import SchemaCache, SchemaSource, load_schema
from mesh.sdk.serde import ValueDeserializer


def _headers(raw: Any) -> list[tuple[str, bytes]]:
    if not raw:
        return []
    items = raw.items() if isinstance(raw, Mapping) else raw
    return [(name, value if isinstance(value, bytes) else str(value).encode()) for name, value in items]


class EventSchema(faust.Schema):  # type: ignore[type-arg]
    """A faust topic schema: raw keys, values decoded to `mesh.sdk.Event`, `Outgoing` values encoded."""

    def __init__(self, *, settings: MeshSettings, reader_schema: SchemaSource | None = None,
                 registry: SchemaRegistryClient | None = None) -> None:
        super().__init__(key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
        self._schemas = SchemaCache(client=registry) if registry else SchemaCache(settings=settings.registry)
        reader = load_schema(reader_schema) if reader_schema is not None else None
        self._reader = EventReader(ValueDeserializer(self._schemas.by_id, reader_schema=reader))

    def loads_value(self, app: Any, message: Any, *, loads: Callable[..., Any] | None = None,
                    serializer: Any = None) -> Event:
        """The Event of a faust message (headers and value as read); a POISON error when it is none."""
        return self._reader.read(message.value, _headers(message.headers), key=message.key, topic=message.topic,
                                 partition=message.partition, offset=message.offset)

    def dumps_value(self, app: Any, value: Any, *, serializer: Any = None, headers: Any) -> tuple[Any, Any]:
        """An `Outgoing` event's framed value, with its `ce_*` headers added to the message's."""
        if not isinstance(value, Outgoing):
            return super().dumps_value(app, value, serializer=serializer, headers=headers)
        merged = [*_headers(headers), *value.headers]
        return value.value, merged

    def close(self) -> None:
        """Release the registry client."""
        self._schemas.close()
