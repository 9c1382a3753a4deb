"""Interoperability on the real broker and registry: the cloudevents SDK + confluent-kafka's Avro serde
read what we write, and we (and `mesh consume`) read what they write; v1 readers read v2 writers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import confluent_kafka
from cloudevents.v1 import kafka as ce_kafka
from cloudevents.v1.http import CloudEvent
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from typer.testing import CliRunner

from mesh import Consumer, Producer
from mesh.cli.main import app
from mesh.clients.registry import public_url
from mesh.core.settings import MeshSettings
from mesh.sdk.schemas import canonical_text
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, SOURCE, claim, claim_v2


def _raw_messages(settings: MeshSettings, topic: str, count: int) -> list[confluent_kafka.Message]:
    consumer = confluent_kafka.Consumer({**settings.kafka.client_config(), "group.id": f"{topic}.raw",
                                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    messages: list[confluent_kafka.Message] = []
    try:
        for _ in range(60):
            messages += [m for m in consumer.consume(count - len(messages), 1.0) if m.error() is None]
            if len(messages) >= count:
                break
    finally:
        consumer.close()
    return messages


def test_our_events_decode_with_cloudevents_sdk_and_confluent_deserializer(
    sdk_settings: MeshSettings, make_topic: Callable[..., str]
) -> None:
    topic = make_topic("ours")
    moment = dt.datetime(2026, 11, 22, 2, 0, 1, 250000, tzinfo=dt.UTC)
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=sdk_settings, auto_register=True) as producer:
        ids = [producer.publish(CLAIM_TYPE, claim(n), key=f"M-{n}", subject=f"C-{n}", time=moment,
                                extensions={"tenant": "nl"}) for n in range(3)]
        schema_id = producer.schema_id
    with SchemaRegistryClient({"url": sdk_settings.registry.url}) as client:
        _check_with_cloudevents_sdk(sdk_settings, topic, client, ids, schema_id)


def _check_with_cloudevents_sdk(settings: MeshSettings, topic: str, client: SchemaRegistryClient,
                                ids: list[str], schema_id: int | None) -> None:
    deserializer = AvroDeserializer(client)
    messages = _raw_messages(settings, topic, 3)
    assert len(messages) == 3
    for n, message in enumerate(messages):
        context = SerializationContext(topic, MessageField.VALUE, message.headers())
        event = ce_kafka.from_binary(
            ce_kafka.KafkaMessage(dict(message.headers() or []), message.key(), message.value() or b""),
            data_unmarshaller=lambda value: deserializer(value, context),  # noqa: B023 - used right away
        )
        assert event.get_attributes() == {
            "specversion": "1.0", "id": ids[n], "source": SOURCE, "type": CLAIM_TYPE,
            "time": "2026-11-22T02:00:01.250000Z", "subject": f"C-{n}",
            "dataschema": f"{public_url(settings.registry.url).rstrip('/')}/schemas/ids/{schema_id}",
            "datacontenttype": "application/avro", "tenant": "nl", "partitionkey": f"M-{n}".encode(),
        }
        assert event.get_data() == claim(n)


def _publish_with_confluent(settings: MeshSettings, topic: str, records: list[dict[str, Any]],
                            schema: dict[str, Any]) -> None:
    producer = confluent_kafka.Producer(settings.kafka.client_config())
    with SchemaRegistryClient({"url": settings.registry.url}) as client:
        serializer = AvroSerializer(client, canonical_text(schema), conf={"auto.register.schemas": True})
        for n, record in enumerate(records):
            headers = [("ce_specversion", b"1.0"), ("ce_id", f"their-{n}".encode()), ("ce_source", b"/their/tool"),
                       ("ce_type", CLAIM_TYPE.encode()), ("ce_time", b"2026-11-22T00:00:00Z"),
                       ("content-type", b"application/avro")]
            value = serializer(record, SerializationContext(topic, MessageField.VALUE, headers))
            producer.produce(topic, value, f"M-{n}", headers=headers)
    assert producer.flush(30) == 0


def test_confluent_serializer_events_are_read_by_our_consumer_and_mesh_consume(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str, monkeypatch: Any
) -> None:
    topic = make_topic("theirs")
    _publish_with_confluent(sdk_settings, topic, [claim(1), claim(2, adjudicated=False)], CLAIM_V1)

    with Consumer(topic, group_id=group_id, settings=sdk_settings, from_beginning=True) as consumer:
        events = list(consumer.events(max_events=2, idle_timeout=30))
    assert [(e.id, e.source, e.partitionkey, e.data) for e in events] == [
        ("their-0", "/their/tool", "M-0", claim(1)), ("their-1", "/their/tool", "M-1", claim(2, adjudicated=False))]

    for name, value in sdk_settings.client_env().items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["consume", topic, "--group", f"{topic}.cli", "--from-beginning", "--max", "2", "--idle-timeout", "30"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["id"], d["partitionkey"], d["data"]["claim_id"], d["data"]["amount"]) for d in lines] == [
        ("their-0", "M-0", "C-00000001", "1235.56"), ("their-1", "M-1", "C-00000002", "1236.56")]
    assert lines[0]["data"]["adjudication"]["decided_on"] == "2026-11-04"


def test_v1_consumer_reads_compatible_v2_events_as_v1(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str
) -> None:
    topic = make_topic("evolve")
    with Producer(topic, CLAIM_V1, source=SOURCE, settings=sdk_settings, auto_register=True) as v1:
        v1.publish(CLAIM_TYPE, claim(1))
    v2_record = {k: v for k, v in claim(2).items() if k != "notes"} | {"plan_code": "GOLD"}
    with Producer(topic, claim_v2(), source=SOURCE, settings=sdk_settings, auto_register=True) as v2:
        v2.publish("com.healthco.claims.ClaimSubmitted.v1", v2_record)
    assert v1.schema_id != v2.schema_id

    with Consumer(topic, group_id=group_id, settings=sdk_settings, reader_schema=CLAIM_V1,
                  from_beginning=True) as consumer:
        data = [event.data for event in consumer.events(max_events=2, idle_timeout=30)]
    assert data == [claim(1), {**claim(2), "notes": None}]


def test_structured_mode_events_from_other_tools_enter_the_mesh(
    sdk_settings: MeshSettings, make_topic: Callable[..., str], group_id: str
) -> None:
    topic = make_topic("structured")
    event = CloudEvent({"type": "org.partner.claims.ClaimReceived.v1", "source": "/partner/gateway",
                        "id": "partner-1", "partitionkey": "M-7"}, {"claim_id": "X-1", "amount": "12.50"})
    message = ce_kafka.to_structured(event)
    producer = confluent_kafka.Producer(sdk_settings.kafka.client_config())
    producer.produce(topic, message.value, message.key, headers=list(message.headers.items()))
    assert producer.flush(30) == 0

    with Consumer(topic, group_id=group_id, settings=sdk_settings, from_beginning=True) as consumer:
        [got] = list(consumer.events(max_events=1, idle_timeout=30))
    assert (got.id, got.source, got.type, got.partitionkey) == (
        "partner-1", "/partner/gateway", "org.partner.claims.ClaimReceived.v1", "M-7")
    assert got.data == {"claim_id": "X-1", "amount": "12.50"}
