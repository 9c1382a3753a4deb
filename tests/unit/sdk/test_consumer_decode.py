"""Consumer.decode on hand-made messages: every kind of poison is a named MeshError, good events decode."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.errors import (
    EventFormatError,
    FramingError,
    SchemaResolutionError,
    SerializationError,
    UnknownSchemaError,
)
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.sdk.consumer import POISON, Consumer
from mesh.sdk.dlq import dead_letter_headers
from mesh.sdk.schemas import SchemaCache
from mesh.sdk.serde import ValueSerializer
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, claim, claim_v2

SETTINGS = MeshSettings(kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"))
TOPIC = "t.claims.claims.v1"


@dataclass
class FakeMessage:
    """The part of confluent_kafka.Message the consumer reads."""

    _value: bytes | None
    _headers: list[tuple[str, bytes]] | None = field(default_factory=list)
    _key: bytes | None = b"M-1"

    def value(self) -> bytes | None:
        return self._value

    def headers(self) -> list[tuple[str, bytes]] | None:
        return self._headers

    def key(self) -> bytes | None:
        return self._key

    def topic(self) -> str:
        return TOPIC

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return 41


CE = [("ce_id", b"e-1"), ("ce_source", b"/claims"), ("ce_specversion", b"1.0"), ("ce_type", CLAIM_TYPE.encode()),
      ("content-type", b"application/avro")]


@pytest.fixture
def registry(unique_name: object) -> SchemaRegistryClient:
    return SchemaRegistryClient.new_client({"url": f"mock://consumer-{id(unique_name)}"})


def _ids(registry: SchemaRegistryClient) -> tuple[int, int]:
    cache = SchemaCache(client=registry)
    return (cache.id_for(f"{TOPIC}-value", CLAIM_V1, register=True),
            cache.id_for(f"{TOPIC}-value", claim_v2(), register=True))


def _consumer(registry: SchemaRegistryClient, **options: Any) -> Consumer:
    return Consumer(TOPIC, group_id="g", settings=SETTINGS, registry=registry, **options)


def test_binary_event_decodes_with_attributes_and_position(registry: SchemaRegistryClient) -> None:
    v1, _ = _ids(registry)
    event = _consumer(registry).decode(FakeMessage(ValueSerializer(CLAIM_V1, v1)(claim(1)), CE))  # type: ignore[arg-type]
    assert (event.id, event.source, event.type, event.partitionkey) == ("e-1", "/claims", CLAIM_TYPE, "M-1")
    assert (event.topic, event.partition, event.offset) == (TOPIC, 0, 41)
    assert event.data == claim(1)


def test_reader_schema_gets_v1_shaped_data_from_v2(registry: SchemaRegistryClient) -> None:
    _, v2 = _ids(registry)
    v2_record = {k: v for k, v in claim(2).items() if k != "notes"} | {"plan_code": "GOLD"}
    message = FakeMessage(ValueSerializer(claim_v2(), v2)(v2_record), CE)
    event = _consumer(registry, reader_schema=CLAIM_V1).decode(message)  # type: ignore[arg-type]
    assert event.data == {**claim(2), "notes": None}


def test_structured_mode_with_json_data_is_accepted(registry: SchemaRegistryClient) -> None:
    document = {"specversion": "1.0", "id": "x", "source": "/other", "type": "org.other.Thing.v1",
                "datacontenttype": "application/json", "data": {"a": 1}}
    message = FakeMessage(json.dumps(document).encode(), [("content-type", b"application/cloudevents+json")])
    event = _consumer(registry).decode(message)  # type: ignore[arg-type]
    assert (event.id, event.type, event.data) == ("x", "org.other.Thing.v1", {"a": 1})


def test_structured_mode_with_framed_avro_in_base64_is_decoded(registry: SchemaRegistryClient) -> None:
    v1, _ = _ids(registry)
    payload = ValueSerializer(CLAIM_V1, v1)(claim(3))
    document = {"specversion": "1.0", "id": "x", "source": "/other", "type": CLAIM_TYPE,
                "datacontenttype": "application/avro", "data_base64": base64.b64encode(payload).decode()}
    event = _consumer(registry).decode(FakeMessage(json.dumps(document).encode(), None))  # type: ignore[arg-type]
    assert event.data == claim(3)


REASONS: list[tuple[str, Any, type[Exception], str]] = [
    ("not-a-cloudevent", lambda ok: FakeMessage(ok, []), EventFormatError, "'id'"),
    ("bad-framing", lambda ok: FakeMessage(b"\x07" + ok[1:], CE), FramingError, "magic byte is 7"),
    ("unknown-schema-id", lambda ok: FakeMessage(b"\x00\x00\x00\x03\xe7" + ok[5:], CE), UnknownSchemaError, "999"),
    ("avro-does-not-decode", lambda ok: FakeMessage(ok[:5] + b"\xff\xff\xff\xff\x0f", CE), SerializationError,
     "decode"),
    ("unsupported-content-type", lambda ok: FakeMessage(ok, [*CE[:4], ("content-type", b"text/csv")]),
     EventFormatError, "text/csv"),
    ("tombstone", lambda ok: FakeMessage(None, CE), EventFormatError, "no value"),
]


@pytest.mark.parametrize(("make", "error", "says"), [r[1:] for r in REASONS], ids=[r[0] for r in REASONS])
def test_poison_messages_raise_a_dead_letterable_error(
    registry: SchemaRegistryClient, make: Any, error: type[Exception], says: str
) -> None:
    v1, _ = _ids(registry)
    with pytest.raises(error, match=says) as caught:
        _consumer(registry).decode(make(ValueSerializer(CLAIM_V1, v1)(claim(1))))
    assert isinstance(caught.value, POISON)


def test_reader_schema_that_cannot_resolve_is_poison(registry: SchemaRegistryClient) -> None:
    v1, _ = _ids(registry)
    reader = {**CLAIM_V1, "fields": [*CLAIM_V1["fields"], {"name": "region", "type": "string"}]}
    message = FakeMessage(ValueSerializer(CLAIM_V1, v1)(claim(1)), CE)
    with pytest.raises(SchemaResolutionError) as caught:
        _consumer(registry, reader_schema=reader).decode(message)  # type: ignore[arg-type]
    assert isinstance(caught.value, POISON)


def test_dead_letter_headers_keep_the_original_and_add_why_and_where() -> None:
    original = [("ce_id", b"e-1"), ("x", None)]
    headers = dead_letter_headers(original, FramingError("magic byte is 7"), topic=TOPIC, partition=2, offset=41)
    assert headers[:2] == original
    assert dict(headers[2:]) == {
        "mesh_error": b"magic byte is 7",
        "mesh_error_class": b"FramingError",
        "mesh_original_topic": TOPIC.encode(),
        "mesh_original_partition": b"2",
        "mesh_original_offset": b"41",
    }


def test_consumer_constructor_does_not_touch_the_network() -> None:
    consumer = Consumer([TOPIC, "t.other.v1"], group_id="g", settings=SETTINGS)
    assert consumer.topics == [TOPIC, "t.other.v1"]
    consumer.close()
