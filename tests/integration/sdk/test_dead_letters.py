"""Poison messages of every kind land in `<topic>.dlq` with the reason; the good ones around them are
handled in order; offsets are committed only after the handler returned (at-least-once)."""

from __future__ import annotations

from collections.abc import Callable

import confluent_kafka
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from mesh import Consumer, Event, Producer
from mesh.core.naming import dlq_topic
from mesh.core.settings import MeshSettings
from mesh.sdk.schemas import canonical_text
from mesh.sdk.serde import ValueSerializer
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim

OTHER = {"type": "record", "name": "Other", "namespace": "mesh.other", "fields": [{"name": "x", "type": "int"}]}


def _ce(event_id: str) -> list[tuple[str, bytes]]:
    return [("ce_specversion", b"1.0"), ("ce_id", event_id.encode()), ("ce_source", b"/poison"),
            ("ce_type", CLAIM_TYPE.encode()), ("content-type", b"application/avro")]


def _read_all(settings: MeshSettings, topic: str, count: int) -> list[confluent_kafka.Message]:
    consumer = confluent_kafka.Consumer({**settings.kafka.client_config(), "group.id": f"{topic}.check",
                                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    found: list[confluent_kafka.Message] = []
    try:
        for _ in range(60):
            found += [m for m in consumer.consume(count - len(found), 1.0) if m.error() is None]
            if len(found) >= count:
                break
    finally:
        consumer.close()
    return found


def test_poison_messages_go_to_the_dlq_with_why_and_good_ones_are_handled_in_order(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str
) -> None:
    topic = make_topic("poison")
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=sdk_settings, auto_register=True) as producer:
        producer.publish(CLAIM_TYPE, claim(1), id="good-1")
        v1_id = producer.schema_id or 0
    with SchemaRegistryClient({"url": sdk_settings.registry.url}) as client:
        other_id = client.register_schema(f"{topic}.other-value", Schema(canonical_text(OTHER), "AVRO"))
    good = ValueSerializer(CLAIM_V1, v1_id)
    poison = [  # (key, value, headers, expected mesh_error_class)
        (b"k1", b"hello, not an event", [], "EventFormatError"),
        (b"k2", b"\x05garbage", _ce("bad-frame"), "FramingError"),
        (b"k3", b"\x00\x00\x0f\x42\x3f" + good(claim(2))[5:], _ce("unknown-id"), "UnknownSchemaError"),
        (b"k4", good(claim(2))[:5] + b"\xff\xff\xff\xff\x0f", _ce("not-avro"), "DecodingError"),
        (b"k5", ValueSerializer(OTHER, other_id)({"x": 1}), _ce("unresolvable"), "SchemaResolutionError"),
    ]
    raw = confluent_kafka.Producer(sdk_settings.kafka.client_config())
    for key, value, headers, _ in poison[:2]:
        raw.produce(topic, value, key, headers=headers)
    raw.produce(topic, good(claim(3)), b"g2", headers=_ce("good-2"))
    for key, value, headers, _ in poison[2:]:
        raw.produce(topic, value, key, headers=headers)
    raw.produce(topic, good(claim(4)), b"boom", headers=_ce("boom"))
    raw.produce(topic, good(claim(5)), b"g3", headers=_ce("good-3"))
    assert raw.flush(30) == 0

    handled: list[str] = []

    def handler(event: Event) -> None:
        if event.id == "boom":
            raise ValueError("handler refused claim C-00000004")
        handled.append(event.id)

    with Consumer(topic, group_id=group_id, settings=sdk_settings, reader_schema=CLAIM_V1, from_beginning=True,
                  dead_letter_handler_errors=True) as consumer:
        assert consumer.run(handler, max_events=4, idle_timeout=30) == 3
    assert handled == ["good-1", "good-2", "good-3"]

    dead = _read_all(sdk_settings, dlq_topic(topic), 6)
    expected = [*poison, (b"boom", good(claim(4)), _ce("boom"), "ValueError")]
    assert [(m.key(), m.value()) for m in dead] == [(key, value) for key, value, _, _ in expected]
    offsets = [1, 2, 4, 5, 6, 7]
    for message, (_, _, headers, error_class), offset in zip(dead, expected, offsets, strict=True):
        got = message.headers() or []
        assert got[: len(headers)] == headers  # the original headers, unchanged, first
        why = dict(got[len(headers):])
        assert why["mesh_error_class"] == error_class.encode()
        assert why["mesh_error"]
        assert (why["mesh_original_topic"], why["mesh_original_partition"], why["mesh_original_offset"]) == (
            topic.encode(), b"0", str(offset).encode())
    assert b"C-00000004" in dict(dead[-1].headers() or [])["mesh_error"]

    check = confluent_kafka.Consumer({**sdk_settings.kafka.client_config(), "group.id": group_id})
    try:
        committed = check.committed([confluent_kafka.TopicPartition(topic, 0)], timeout=10)
    finally:
        check.close()
    assert committed[0].offset == 9  # everything handled or dead-lettered is committed


def test_handler_failure_without_dead_lettering_redelivers_the_event(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str
) -> None:
    topic = make_topic("redeliver")
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=sdk_settings, auto_register=True) as producer:
        producer.publish(CLAIM_TYPE, claim(1), id="first")
        producer.publish(CLAIM_TYPE, claim(2), id="second")

    def fail_on_second(event: Event) -> None:
        if event.id == "second":
            raise RuntimeError("downstream is down")

    with Consumer(topic, group_id=group_id, settings=sdk_settings, from_beginning=True) as consumer, \
            pytest.raises(RuntimeError, match="downstream is down"):
        consumer.run(fail_on_second, idle_timeout=30)

    with Consumer(topic, group_id=group_id, settings=sdk_settings, from_beginning=True) as again:
        assert [event.id for event in again.events(max_events=1, idle_timeout=30)] == ["second"]
