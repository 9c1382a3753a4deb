"""Engine-neutral pieces of a processor: raw messages, the event decoder and the output event encoder.

`RawMessage` keeps a consumed message byte for byte with where it was read (for held events and dead
letters). `EventDecoder` reads events with the SDK's one event reader (`mesh.sdk.reader`).
`EventEncoder` encodes outputs the way the SDK producer encodes them (schema id from the registry,
Confluent framing, binary-mode `ce_*` headers); the engine's own producer sends them, inside its
transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.errors import EventFormatError
from mesh.core.naming import record_subject
from mesh.core.settings import MeshSettings
from mesh.sdk.envelope import AVRO_CONTENT_TYPE, Event, binary_headers, format_time
from mesh.sdk.reader import POISON, EventReader
from mesh.sdk.schemas import SchemaCache, SchemaSource, load_schema
from mesh.sdk.serde import ValueDeserializer, ValueSerializer

__all__ = ["POISON", "EventDecoder", "EventEncoder", "RawMessage", "event_time", "raw_message"]

Header = tuple[str, bytes]


@dataclass(frozen=True, slots=True)
class RawMessage:
    """A consumed Kafka message, byte for byte, with where it was read (kept for DLQs and replays)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[Header, ...]
    timestamp_ms: int

    def header(self, name: str) -> bytes | None:
        """The last value of header `name`, or None."""
        return last_header(self.headers, name)


def raw_message(message: Any) -> RawMessage:
    """A `RawMessage` of any message object with topic/partition/offset/key/value/headers/timestamp attributes."""
    headers = message.headers or ()
    items: Sequence[tuple[str, Any]] = list(headers.items()) if isinstance(headers, Mapping) else headers
    key, value = message.key, message.value
    return RawMessage(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=key if isinstance(key, bytes) or key is None else str(key).encode(),
        value=value if isinstance(value, bytes) or value is None else bytes(value),
        headers=tuple((name, v if isinstance(v, bytes) else str(v).encode()) for name, v in items),
        timestamp_ms=int((message.timestamp or 0) * 1000),
    )


class EventDecoder:
    """Decodes binary-mode CloudEvents with Avro data into SDK `Event`s; poison raises a `POISON` error.

    Writer schemas come from the registry (synchronously, once per schema id); `registry` replaces the
    client made from the settings (tests pass confluent-kafka's `mock://` client).
    """

    def __init__(self, *, settings: MeshSettings, reader_schema: SchemaSource | None = None,
                 registry: SchemaRegistryClient | None = None) -> None:
        self._schemas = SchemaCache(client=registry) if registry else SchemaCache(settings=settings.registry)
        reader = load_schema(reader_schema) if reader_schema is not None else None
        self._reader = EventReader(ValueDeserializer(self._schemas.by_id, reader_schema=reader))

    def decode(self, raw: RawMessage) -> Event:
        """The Event of one message (the SDK's `EventReader`); a `POISON` error if it is none."""
        return self._reader.read(raw.value, raw.headers, key=raw.key, topic=raw.topic, partition=raw.partition,
                                 offset=raw.offset)

    def close(self) -> None:
        """Release the registry client."""
        self._schemas.close()


def event_time(event: Event) -> dt.datetime:
    """The CloudEvent `time` as an aware datetime (UTC when absent is not allowed: processors need it)."""
    if event.time is None:
        raise EventFormatError(f"Event {event.id!r} has no time attribute", hint="set ce_time on every event")
    try:
        return dt.datetime.fromisoformat(event.time)
    except ValueError as exc:
        raise EventFormatError(f"Event {event.id!r} has an invalid time {event.time!r}: {exc}",
                               hint="ce_time is RFC 3339, e.g. 2026-01-01T00:00:00Z") from exc


class EventEncoder:
    """Encodes output events of one topic and schema like the SDK producer: framed Avro + `ce_*` headers.

    `start()` resolves the schema id under the product subject `<topic>-<record full name>` (as the
    SDK producer of a product does; registering it when `register`), then `encode(...)` is pure CPU.
    """

    def __init__(self, topic: str, schema: SchemaSource, *, source: str, settings: MeshSettings,
                 register: bool = False, registry: SchemaRegistryClient | None = None) -> None:
        self.topic = topic
        self.source = source
        self.schema = load_schema(schema)
        self._schemas = SchemaCache(client=registry) if registry else SchemaCache(settings=settings.registry)
        self._register = register
        self._serialize: ValueSerializer | None = None
        self._dataschema = ""
        self._ids: Iterator[int] = itertools.count(1)
        self._id_prefix = f"{secrets.token_hex(6)}-"

    def start(self) -> int:
        """Look the schema id up (network); returns it."""
        fullname = ".".join(filter(None, (self.schema.get("namespace"), str(self.schema.get("name")))))
        schema_id = self._schemas.id_for(record_subject(self.topic, fullname), self.schema, register=self._register)
        self._serialize = ValueSerializer(self.schema, schema_id)
        self._dataschema = self._schemas.schema_url(schema_id)
        return schema_id

    def encode(
        self, event_type: str, data: Mapping[str, Any], *, time: dt.datetime, extra_headers: Sequence[Header] = ()
    ) -> tuple[bytes, list[Header]]:
        """(framed value, headers) of one event; DataValidationError if data does not match the schema."""
        serialize = self._serialize
        if serialize is None:
            raise RuntimeError("EventEncoder.start() must run before encode()")
        value = serialize(data)
        event = Event(id=f"{self._id_prefix}{next(self._ids)}", source=self.source, type=event_type, data=None,
                      time=format_time(time), dataschema=self._dataschema, datacontenttype=AVRO_CONTENT_TYPE)
        headers = binary_headers(event)
        headers.extend(extra_headers)
        return value, headers

    def close(self) -> None:
        """Release the registry client."""
        self._schemas.close()


def last_header(headers: Iterable[tuple[str, bytes | None]], name: str) -> bytes | None:
    """The last value of header `name` in `headers` (Kafka allows repeats: the last one wins), or None."""
    found = None
    for key, value in headers:
        if key == name:
            found = value
    return found
