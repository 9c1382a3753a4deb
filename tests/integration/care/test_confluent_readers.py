"""Any Confluent client reads the mesh (issue 12 bug 5): every product topic, published the way
`make demo` publishes it (the domain services' SDK producers, then the member-360 processor), is
read back with confluent-kafka's AvroDeserializer in its default configuration.

That deserializer asks the registry for `/schemas/ids/{id}?subject=<topic>-value`, while products
register under `<topic>-<record full name>`: the registry must answer by id, as Confluent's does.
"""

from __future__ import annotations

import uuid
from collections import Counter

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from domains.feed import generate
from domains.wiring import publish_records
from mesh.core.settings import ClientConfig
from mesh.sdk import Consumer as MeshConsumer
from tests.integration.care.conftest import Mesh360

MEMBERS = 40


def end_offsets(kafka: ClientConfig, topic: str) -> int:
    """How many records the topic holds (read to the end of every partition; nothing is compacted away yet).

    Not the sum of high watermarks: the member-360 processor writes in transactions, and each commit
    marker takes an offset without being a record.
    """
    consumer = Consumer({**kafka, "group.id": f"t.wm-{uuid.uuid4().hex[:8]}",
                         "enable.partition.eof": True, "auto.offset.reset": "earliest"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        count, at_end = 0, set()
        while len(at_end) < len(partitions):
            for message in consumer.consume(1000, 1.0):
                if message.error() is None:
                    count += 1
                elif message.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
        return count
    finally:
        consumer.close()


def read_with_confluent(kafka: ClientConfig, registry_url: str, topic: str) -> list[dict[str, object]]:
    """Every value of `topic`, decoded by a default-configured AvroDeserializer."""
    expected = end_offsets(kafka, topic)
    registry = SchemaRegistryClient({"url": registry_url})
    deserializer = AvroDeserializer(registry)
    consumer = Consumer({**kafka, "group.id": f"t.confluent-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    values: list[dict[str, object]] = []
    try:
        consumer.subscribe([topic])
        misses = 0
        while len(values) < expected and misses < 30:
            message = consumer.poll(1.0)
            if message is None:
                misses += 1
                continue
            assert message.error() is None, message.error()
            value = deserializer(message.value(), SerializationContext(topic, MessageField.VALUE, message.headers()))
            assert isinstance(value, dict)
            values.append(value)
    finally:
        consumer.close()
        registry.__exit__()
    assert len(values) == expected, f"read {len(values)} of {expected} records of {topic}"
    return values


def test_a_default_avro_deserializer_reads_every_product_topic(mesh360: Mesh360, schema_registry_url: str) -> None:
    bootstrap = mesh360.settings.kafka.client_config()
    feed = generate(MEMBERS, seed=12)
    producers = mesh360.producers()
    try:
        publish_records(feed.records, producers)
    finally:
        for producer in producers.values():
            producer.close()
    with mesh360.processor() as proc:
        proc.wait_caught_up(timeout_s=300)
    counts: Counter[str] = Counter()
    for product_id, topic in sorted(mesh360.topics.items()):
        values = read_with_confluent(bootstrap, schema_registry_url, topic)
        assert values, f"nothing was published on {product_id}'s topic {topic}"
        counts[product_id] = len(values)
        # the same records the SDK consumer reads, field for field
        with MeshConsumer(topic, group_id=f"t-sdk-{uuid.uuid4().hex[:8]}", settings=mesh360.settings,
                          from_beginning=True) as sdk:
            # as many as the topic holds (counted to its end above): no idle wait at the end
            through_sdk = [event.data for event in sdk.events(max_events=len(values), idle_timeout=30.0)]
        assert sorted(map(repr, values)) == sorted(map(repr, through_sdk)), product_id
    assert set(counts) == set(mesh360.topics)  # every product, the member-360 output included
    assert counts["care.member_360"] >= MEMBERS
