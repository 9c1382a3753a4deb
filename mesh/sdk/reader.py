"""The one event reader of the project: Kafka message parts in, a decoded CloudEvent out.

`EventReader.read(value, headers, key=..., topic=..., ...)` accepts binary-mode CloudEvents with
Confluent-framed Avro data (the fast path), binary mode with JSON data, and structured-mode events
(`application/cloudevents+json`) from other tools. Avro data is decoded with the writer's schema
(`ValueDeserializer`, schemas cached by id) in the reader schema's shape when one is given. Anything
that cannot be an event raises a `POISON` error naming what was wrong; the SDK consumer, the stream
processors (Quix Streams deserializers) and the faust codec all read events through this class.
"""

from __future__ import annotations

import json
from typing import Any

from mesh.core.errors import EventFormatError, MeshError, SchemaError, SerializationError, UnknownSchemaError
from mesh.sdk.envelope import (
    AVRO_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    REQUIRED,
    Event,
    Headers,
    avro_binary_event,
    binary_event,
    is_structured,
    parse_structured,
    split_headers,
    structured_event,
)
from mesh.sdk.serde import ValueDeserializer

# Failures that belong to one message: dead-letter it and go on. Anything else (outages) is raised.
POISON: tuple[type[Exception], ...] = (SerializationError, SchemaError, UnknownSchemaError)
_REQUIRED = frozenset(REQUIRED)


class EventReader:
    """Decodes Kafka messages into `Event`s with a registry-backed `ValueDeserializer`."""

    def __init__(self, deserialize: ValueDeserializer) -> None:
        self._deserialize = deserialize

    def read(self, value: bytes | None, headers: Headers | None, *, key: bytes | None = None,
             topic: str | None = None, partition: int | None = None, offset: int | None = None) -> Event:
        """The Event of one message; a `POISON` error when it cannot be one.

        Whatever a producer sent, the failure is a MeshError: an unexpected exception of a parser
        (JSON nested a thousand deep raises RecursionError, for one) becomes an EventFormatError, so
        the message is dead-lettered instead of stopping its reader on it at every restart.
        """
        try:
            return self._read(value, headers, key, topic, partition, offset)
        except MeshError:
            raise
        except Exception as exc:  # any parser failure on producer input is poison
            raise EventFormatError(
                f"Message {topic}[{partition}]@{offset} cannot be decoded: {type(exc).__name__}: {str(exc)[:200]}",
                hint="the producer sent something that is not a mesh event; fix the producer",
            ) from exc

    def _read(self, value: bytes | None, headers: Headers | None, key: bytes | None, topic: str | None,
              partition: int | None, offset: int | None) -> Event:
        event = avro_binary_event(headers, key, topic, partition, offset)
        if event is not None and value is not None:
            event.data = self._deserialize(value)
            return event
        attrs, content_type = split_headers(headers)
        if content_type == AVRO_CONTENT_TYPE and value is not None and _REQUIRED <= attrs.keys():
            return binary_event(attrs, content_type, self._deserialize(value), key=key, topic=topic,
                                partition=partition, offset=offset)
        if is_structured(content_type) or (not attrs and value is not None and value[:1] == b"{"):
            return self._structured(value, key, topic, partition, offset)
        if not _REQUIRED <= attrs.keys():
            binary_event(attrs, content_type, None)  # raises EventFormatError naming what is missing
        if content_type is None or content_type.startswith(AVRO_CONTENT_TYPE):
            if value is None:
                raise EventFormatError(
                    f"Event {attrs['id']!r} has no value (a tombstone?) but content-type application/avro",
                    hint="binary-mode Avro events carry Confluent-framed data in the message value",
                )
            data: Any = self._deserialize(value)
        elif content_type.startswith(JSON_CONTENT_TYPE):
            data = _json(value, attrs["id"])
        else:
            raise EventFormatError(
                f"Event {attrs['id']!r} has unsupported content-type {content_type!r}",
                hint="mesh events carry application/avro (or application/json) data",
            )
        return binary_event(attrs, content_type, data, key=key, topic=topic, partition=partition, offset=offset)

    def _structured(self, value: bytes | None, key: bytes | None, topic: str | None, partition: int | None,
                    offset: int | None) -> Event:
        attrs, data, binary = parse_structured(value)
        if binary is not None:
            content_type = attrs.get("datacontenttype") or AVRO_CONTENT_TYPE
            data = self._deserialize(binary) if content_type.startswith(AVRO_CONTENT_TYPE) else binary
        return structured_event(attrs, data, key=key, topic=topic, partition=partition, offset=offset)


def _json(value: bytes | None, event_id: str) -> Any:
    try:
        return json.loads(value or b"null")
    except ValueError as exc:
        raise EventFormatError(f"Event {event_id!r} says application/json but its data is not JSON: {exc}",
                               hint="fix the producer's content-type or data") from exc
