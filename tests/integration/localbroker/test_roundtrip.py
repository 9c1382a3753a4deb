"""The first real test: 10,000 messages through a 3-partition topic with an idempotent producer."""

from __future__ import annotations

import hashlib
from collections import defaultdict

from confluent_kafka import Consumer, KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from mesh.core.settings import KafkaSettings

N = 10_000
PARTITIONS = 3


def _payload(i: int) -> bytes:
    return hashlib.sha256(str(i).encode()).digest() + i.to_bytes(4, "big")


def test_ten_thousand_messages_keep_count_order_and_payload(kafka_settings: KafkaSettings, topic_name: str, group_id: str) -> None:
    admin = AdminClient(kafka_settings.client_config())
    admin.create_topics([NewTopic(topic_name, num_partitions=PARTITIONS, replication_factor=1)])[topic_name].result(30)

    producer = Producer({**kafka_settings.client_config(), "enable.idempotence": True, "acks": "all", "linger.ms": 5})
    failures: list[str] = []
    sent: dict[int, list[bytes]] = defaultdict(list)
    for i in range(N):
        key = f"k{i % 97}".encode()
        producer.produce(topic_name, key=key, value=_payload(i),
                         on_delivery=lambda err, msg: failures.append(str(err)) if err else None)
        producer.poll(0)
    assert producer.flush(60) == 0
    assert failures == []

    # Per-partition order: keys hash to partitions, so record what each key sent, in order.
    for i in range(N):
        sent[i % 97].append(_payload(i))

    consumer = Consumer({**kafka_settings.client_config(), "group.id": group_id,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic_name])
    received: dict[int, list[bytes]] = defaultdict(list)
    partition_offsets: dict[int, list[int]] = defaultdict(list)
    partition_of_key: dict[int, set[int]] = defaultdict(set)
    count, idle = 0, 0
    try:
        while count < N and idle < 30:
            batch = consumer.consume(1000, timeout=1.0)
            idle = 0 if batch else idle + 1
            for msg in batch:
                assert msg.error() is None or msg.error().code() == KafkaError._PARTITION_EOF
                key_index = int(msg.key().decode()[1:])
                received[key_index].append(msg.value())
                partition_offsets[msg.partition()].append(msg.offset())
                partition_of_key[key_index].add(msg.partition())
                count += 1
    finally:
        consumer.close()

    assert count == N
    assert set(partition_offsets) == set(range(PARTITIONS))
    for offsets in partition_offsets.values():
        assert offsets == sorted(offsets) and len(offsets) == len(set(offsets))  # in order, no duplicates
    assert all(len(parts) == 1 for parts in partition_of_key.values())  # a key stays on one partition
    assert received == sent  # payload equality, in send order per key (and so per partition)
