"""Output events encode like the SDK producer's and input events decode back; poison is a POISON error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.errors import EventFormatError, FramingError
from mesh.core.settings import MeshSettings
from mesh.processing.bridge import POISON, EventDecoder, EventEncoder, RawMessage

SCHEMA = {"type": "record", "name": "Thing", "namespace": "mesh.test",
          "fields": [{"name": "id", "type": "string"},
                     {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}}]}
TYPE = "com.healthco.test.Thing.v1"
AT = datetime(2025, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)


@pytest.fixture
def registry() -> Iterator[SchemaRegistryClient]:
    client = SchemaRegistryClient.new_client({"url": f"mock://{uuid.uuid4().hex}"})
    yield client


def raw(value: bytes | None, headers: list[tuple[str, bytes]]) -> RawMessage:
    return RawMessage(topic="in", partition=0, offset=7, key=b"k", value=value, headers=tuple(headers),
                      timestamp_ms=1)


def test_encoded_event_decodes_to_the_same_data_and_attributes(registry: SchemaRegistryClient) -> None:
    encoder = EventEncoder("out", SCHEMA, source="/test", settings=MeshSettings(), register=True, registry=registry)
    schema_id = encoder.start()
    value, headers = encoder.encode(TYPE, {"id": "a", "at": AT}, time=AT, extra_headers=[("x", b"1")])
    assert value[:5] == b"\x00" + schema_id.to_bytes(4, "big")
    event = EventDecoder(settings=MeshSettings(), registry=registry).decode(raw(value, headers))
    assert (event.type, event.source, event.data, event.timestamp) == (TYPE, "/test", {"id": "a", "at": AT}, AT)
    assert event.datacontenttype == "application/avro"
    assert ("x", b"1") in headers


def test_event_ids_are_unique_per_encoder(registry: SchemaRegistryClient) -> None:
    encoder = EventEncoder("out", SCHEMA, source="/test", settings=MeshSettings(), register=True, registry=registry)
    encoder.start()
    ids = {dict(encoder.encode(TYPE, {"id": "a", "at": AT}, time=AT)[1])["ce_id"] for _ in range(50)}
    assert len(ids) == 50


GOOD_HEADERS = [("ce_id", b"1"), ("ce_source", b"/s"), ("ce_specversion", b"1.0"), ("ce_type", TYPE.encode()),
                ("ce_time", b"2025-01-01T00:00:00Z"), ("content-type", b"application/avro")]
POISON_MESSAGES = [
    ("not framed", b"garbage", GOOD_HEADERS, FramingError),
    ("no ce_id", b"\x00\x00\x00\x00\x01", GOOD_HEADERS[1:], EventFormatError),
    ("text data", b"hi", [*GOOD_HEADERS[:-1], ("content-type", b"text/plain")], EventFormatError),
    ("no value", None, GOOD_HEADERS, EventFormatError),
]


@pytest.mark.parametrize(("case", "value", "headers", "error"), POISON_MESSAGES, ids=[c[0] for c in POISON_MESSAGES])
def test_poison_raises_a_dead_letter_error(
    registry: SchemaRegistryClient, case: str, value: bytes | None, headers: list[tuple[str, bytes]],
    error: type[Exception],
) -> None:
    decoder = EventDecoder(settings=MeshSettings(), registry=registry)
    with pytest.raises(error) as caught:
        decoder.decode(raw(value, headers))
    assert isinstance(caught.value, POISON)


def test_encode_before_start_is_refused(registry: SchemaRegistryClient) -> None:
    encoder = EventEncoder("out", SCHEMA, source="/test", settings=MeshSettings(), registry=registry)
    with pytest.raises(RuntimeError, match="start"):
        encoder.encode(TYPE, {"id": "a", "at": AT}, time=AT)
