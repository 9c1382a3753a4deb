"""Read a topic back to its end, as a read-committed reader sees it, without waiting for silence.

Tests used to read until nothing arrived for 5 s; reading each partition to its end (librdkafka's
partition EOF: the last stable offset for a read-committed reader) ends as soon as everything is read.
"""

from __future__ import annotations

import time
import uuid

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from mesh.core.settings import MeshSettings
from mesh.sdk import Consumer, Event


def records_to_end(settings: MeshSettings, topic: str, *, timeout_s: float = 120.0) -> list[confluent_kafka.Message]:
    """Every committed record of `topic`, partition by partition to its end (no consumer group offsets)."""
    consumer = confluent_kafka.Consumer({
        **settings.kafka.client_config(), "group.id": f"t-readback-{uuid.uuid4().hex[:8]}",
        "enable.partition.eof": True, "enable.auto.commit": False, "isolation.level": "read_committed"})
    try:
        partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        found: list[confluent_kafka.Message] = []
        at_end: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(at_end) < len(partitions):
            assert time.monotonic() < deadline, f"{topic}: only partitions {sorted(at_end)} read to the end"
            for message in consumer.consume(1000, 0.5):
                error = message.error()
                if error is None:
                    found.append(message)
                    at_end.discard(message.partition())
                elif error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                else:
                    raise AssertionError(f"reading {topic}: {error}")
        return found
    finally:
        consumer.close()


def events_to_end(settings: MeshSettings, topic: str) -> list[Event]:
    """Every committed event of `topic`, decoded by the SDK consumer's reader."""
    decoder = Consumer(topic, group_id="t-readback-decoder", settings=settings)  # decodes only: never polls
    try:
        return [decoder.decode(message) for message in records_to_end(settings, topic)]
    finally:
        decoder.close()
