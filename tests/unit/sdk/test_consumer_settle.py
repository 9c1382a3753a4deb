"""How a batch is settled, with a fake client: dead letters on the broker first, then offsets; a dead letter
the broker refused stores nothing of the batch and rewinds it, so nothing is skipped."""

from __future__ import annotations

import confluent_kafka
import pytest
from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.errors import DeliveryError
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.sdk.consumer import Consumer
from mesh.sdk.schemas import SchemaCache
from mesh.sdk.serde import ValueSerializer
from tests.support.messages import FakeMessage
from tests.support.sdk_events import CLAIM_TYPE, CLAIM_V1, claim

SETTINGS = MeshSettings(kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"))
TOPIC = "t.claims.claims.v1"


class FakeKafka:
    def __init__(self, batch: list[confluent_kafka.Message]) -> None:
        self.batches = [batch]
        self.stored: list[tuple[int, int]] = []
        self.seeks: list[tuple[int, int]] = []

    def consume(self, size: int, timeout: float) -> list[confluent_kafka.Message]:
        return self.batches.pop(0) if self.batches else []

    def store_offsets(self, message: confluent_kafka.Message) -> None:
        self.stored.append((message.partition() or 0, message.offset() or 0))

    def seek(self, partition: confluent_kafka.TopicPartition) -> None:
        self.seeks.append((partition.partition, partition.offset))

    def commit(self, asynchronous: bool = False) -> None:
        pass

    def close(self) -> None:
        pass


class FakeDeadLetters:
    def __init__(self, *, fail: bool) -> None:
        self.fail = fail
        self.queued: list[int] = []
        self.flushed: list[int] = []
        self.sent = 0

    def send(self, message: confluent_kafka.Message, error: BaseException, *, wait: bool = True) -> str:
        self.queued.append(message.offset() or 0)
        return TOPIC + ".dlq"

    def flush(self) -> None:
        if self.queued and self.fail:
            self.queued = []
            raise DeliveryError([(TOPIC + ".dlq", None, "_MSG_TIMED_OUT")])
        self.flushed += self.queued
        self.queued = []

    def close(self) -> None:
        pass


REGISTRY = SchemaRegistryClient.new_client({"url": "mock://settle"})


def _batch() -> list[FakeMessage]:
    registry = REGISTRY
    schema_id = SchemaCache(client=registry).id_for(f"{TOPIC}-value", CLAIM_V1, register=True)
    good = ValueSerializer(CLAIM_V1, schema_id)
    headers = [("ce_id", b"e"), ("ce_source", b"/c"), ("ce_specversion", b"1.0"), ("ce_type", CLAIM_TYPE.encode()),
               ("content-type", b"application/avro")]
    # partitions 0 and 1 interleaved; offset 11 on partition 1 is poison (not Avro)
    layout = [(0, 10, True), (1, 10, True), (1, 11, False), (0, 11, True), (1, 12, True), (0, 12, True)]
    return [FakeMessage(topic=TOPIC, partition=p, offset=o, key=b"k", headers=headers,
                        value=good(claim(o)) if ok else b"not avro") for p, o, ok in layout]


def _consumer(kafka: FakeKafka, dead_letters: FakeDeadLetters) -> Consumer:
    consumer = Consumer(TOPIC, group_id="g", settings=SETTINGS, registry=REGISTRY)
    consumer._kafka = kafka  # type: ignore[assignment]
    consumer.dead_letters = dead_letters  # type: ignore[assignment]
    return consumer


def test_dead_letters_are_flushed_before_the_batch_offsets_are_stored() -> None:
    kafka, dead = FakeKafka(_batch()), FakeDeadLetters(fail=False)
    consumer = _consumer(kafka, dead)
    seen = [(e.partition, e.offset) for e in consumer.events(max_events=5, idle_timeout=0.2)]
    assert seen == [(0, 10), (1, 10), (0, 11), (1, 12), (0, 12)]
    assert dead.flushed == [11]
    assert sorted(kafka.stored) == [(0, 12), (1, 12)]  # the last message of each partition, once
    assert kafka.seeks == []


def test_an_early_stop_stores_the_finished_and_rewinds_each_partition_to_its_first_unfinished() -> None:
    kafka, dead = FakeKafka(_batch()), FakeDeadLetters(fail=False)
    consumer = _consumer(kafka, dead)
    for event in consumer.events(idle_timeout=0.2):
        if (event.partition, event.offset) == (0, 11):
            break
    # nothing else called: letting go of the loop's iterator settled the batch
    # finished: p0@10, p1@10, p1@11 (dead-lettered); p0@11 was being handled when the loop left
    assert sorted(kafka.stored) == [(0, 10), (1, 11)]
    assert sorted(kafka.seeks) == [(0, 11), (1, 12)]


def test_a_dead_letter_the_broker_refused_stores_nothing_of_the_batch_and_rewinds_all_of_it() -> None:
    kafka, dead = FakeKafka(_batch()), FakeDeadLetters(fail=True)
    consumer = _consumer(kafka, dead)
    with pytest.raises(DeliveryError):
        for _ in consumer.events(max_events=5, idle_timeout=0.2):
            pass
    assert kafka.stored == []
    assert sorted(kafka.seeks) == [(0, 10), (1, 10)]


