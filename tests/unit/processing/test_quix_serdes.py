"""Quix Streams serdes: events decode with the SDK's reader, poison becomes an Incoming with its error,
framed values are written back byte for byte."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient
from quixstreams.models.serializers import SerializationContext

from mesh.core.errors import EventFormatError, FramingError, UnknownSchemaError
from mesh.core.settings import MeshSettings
from mesh.processing.bridge import EventEncoder
from mesh.processing.serdes import EventDeserializer, FramedSerializer, Incoming, Outgoing, keep_headers

SCHEMA = {"type": "record", "name": "Thing", "namespace": "mesh.test",
          "fields": [{"name": "id", "type": "string"},
                     {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}
TYPE = "com.healthco.test.Thing.v1"
AT = datetime(2025, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
GOOD_HEADERS = [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_specversion", b"1.0"), ("ce_type", TYPE.encode()),
                ("content-type", b"application/avro")]


@pytest.fixture
def registry() -> Iterator[SchemaRegistryClient]:
    yield SchemaRegistryClient.new_client({"url": f"mock://{uuid.uuid4().hex}"})


def ctx(headers: list[tuple[str, bytes]]) -> SerializationContext:
    return SerializationContext(topic="in", field="value", headers=headers)


def test_an_event_written_like_the_sdk_producer_decodes(registry: SchemaRegistryClient) -> None:
    encoder = EventEncoder("in", SCHEMA, source="/test", settings=MeshSettings(), register=True, registry=registry)
    encoder.start()
    value, headers = encoder.encode(TYPE, {"id": "a", "at": AT}, time=AT)
    incoming = EventDeserializer(settings=MeshSettings(), registry=registry)(value, ctx(headers))
    assert incoming.error is None and incoming.event is not None
    assert (incoming.event.type, incoming.event.data, incoming.event.topic) == (TYPE, {"id": "a", "at": AT}, "in")
    assert (incoming.value, list(incoming.headers)) == (value, headers)


POISON_MESSAGES = [
    ("not framed", b"garbage", GOOD_HEADERS, FramingError),
    ("no ce_id", b"\x00\x00\x00\x00\x01", GOOD_HEADERS[1:], EventFormatError),
    ("unknown schema id", b"\x00\x00\x00\x03\x09\x02a", GOOD_HEADERS, UnknownSchemaError),
    ("text data", b"hi", [*GOOD_HEADERS[:-1], ("content-type", b"text/plain")], EventFormatError),
]


@pytest.mark.parametrize(("case", "value", "headers", "error"), POISON_MESSAGES, ids=[c[0] for c in POISON_MESSAGES])
def test_poison_is_returned_with_its_error_and_original_bytes(
    registry: SchemaRegistryClient, case: str, value: bytes, headers: list[tuple[str, bytes]],
    error: type[Exception],
) -> None:
    incoming = EventDeserializer(settings=MeshSettings(), registry=registry)(value, ctx(headers))
    assert incoming.event is None
    assert isinstance(incoming.error, error)
    assert (incoming.value, list(incoming.headers)) == (value, headers)


def test_framed_serializer_writes_the_original_bytes() -> None:
    serialize = FramedSerializer()
    assert serialize(Incoming(b"abc", ()), ctx([])) == b"abc"
    assert serialize(Outgoing(b"xyz", [("h", b"1")]), ctx([])) == b"xyz"
    assert keep_headers(Outgoing(b"xyz", [("h", b"1")]), None, 0, None) == [("h", b"1")]


def test_framed_serializer_refuses_a_message_without_value() -> None:
    with pytest.raises(EventFormatError, match="no value"):
        FramedSerializer()(Incoming(None, ()), ctx([]))
