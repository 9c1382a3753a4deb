"""Quix Streams (de)serializers for mesh events: binary-mode CloudEvents with registry Avro data.

Reading goes through the SDK's one event reader (`mesh.sdk.reader.EventReader`: the envelope mapping,
Confluent framing and the native Avro codecs, writer schemas fetched once per id). A message that is
not an event does not stop the app: the deserializer returns an `Incoming` that carries the error,
and the dead-letter step (`mesh.processing.application.DeadLetters`) sends it to `<topic>.dlq` unchanged.

Every message keeps its original bytes and headers (`Incoming.value`, `.headers`), so internal
topics (re-keyed events, held events) carry the same wire format as the products, byte for byte:
`FramedSerializer` writes them back as they came, and an `Outgoing` event encoded with the SDK's
encoder the same way. Headers travel as the row's headers (`StreamingDataFrame.set_headers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from confluent_kafka.schema_registry import SchemaRegistryClient
from quixstreams.models.serializers import Deserializer, SerializationContext, Serializer

from mesh.core.errors import EventFormatError
from mesh.core.settings import MeshSettings
from mesh.sdk.envelope import Event
from mesh.sdk.reader import POISON, EventReader
from mesh.sdk.schemas import SchemaCache, SchemaSource, load_schema
from mesh.sdk.serde import ValueDeserializer

Header = tuple[str, bytes]


@dataclass(slots=True)
class Incoming:
    """One consumed message: its original value and headers, and its event or why it is none."""

    value: bytes | None
    headers: Sequence[Header]
    event: Event | None = None
    error: Exception | None = None


@dataclass(slots=True)
class Outgoing:
    """An encoded event ready to produce: framed Avro value and binary-mode `ce_*` headers."""

    value: bytes
    headers: Sequence[Header]


def _headers(raw: Any) -> Sequence[Header]:
    if not raw:
        return ()
    if isinstance(raw, dict):
        return [(k, v if isinstance(v, bytes) else str(v).encode()) for k, v in raw.items()]
    return list(raw)


class EventDeserializer(Deserializer):
    """Quix value deserializer: bytes -> `Incoming` (decoded event, or the error to dead-letter).

    `registry` replaces the client made from the settings (tests pass confluent-kafka's `mock://`).
    Registry outages are not poison: they raise, and the app stops instead of dead-lettering everything.
    """

    def __init__(self, *, settings: MeshSettings, reader_schema: SchemaSource | None = None,
                 registry: SchemaRegistryClient | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # quixstreams leaves it untyped
        self._schemas = SchemaCache(client=registry) if registry else SchemaCache(settings=settings.registry)
        reader = load_schema(reader_schema) if reader_schema is not None else None
        self._reader = EventReader(ValueDeserializer(self._schemas.by_id, reader_schema=reader))

    def __call__(self, value: bytes, ctx: SerializationContext) -> Incoming:
        headers = _headers(ctx.headers)
        try:
            event = self._reader.read(value, headers, topic=ctx.topic)
        except POISON as exc:
            return Incoming(value, headers, error=exc)
        return Incoming(value, headers, event=event)

    def close(self) -> None:
        """Release the registry client."""
        self._schemas.close()


class Framed(Protocol):
    """Anything with the bytes and headers of one message (`Incoming`, `Outgoing`, ...)."""

    @property
    def value(self) -> bytes | None: ...

    @property
    def headers(self) -> Sequence[Header]: ...


class FramedSerializer(Serializer):
    """Quix value serializer of `Framed` values (`Incoming`, `Outgoing`, ...): their bytes, unchanged."""

    def __call__(self, value: Framed | bytes, ctx: SerializationContext) -> bytes:
        if isinstance(value, bytes):
            return value
        if value.value is None:
            raise EventFormatError(f"A message for {ctx.topic} has no value to write",
                                   hint="tombstones are not events: filter them before producing")
        return value.value


def keep_headers(value: Framed, key: Any, timestamp: int, headers: Any) -> Sequence[Header]:
    """`StreamingDataFrame.set_headers` callback: the value's own headers become the row's."""
    return value.headers
