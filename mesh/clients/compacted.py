"""Single-partition compacted topics keyed by text (the products ledger, the contracts): read the latest
value per key, append values and tombstones.

A tombstone (no value) removes its key. Keys are UTF-8 text; values are bytes the caller encodes and
decodes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from confluent_kafka import TopicPartition

from mesh.clients.kafka import consumer as new_consumer
from mesh.clients.kafka import producer as new_producer
from mesh.core.errors import DeliveryError, KafkaError


def latest_values(client_config: Mapping[str, str | int | float | bool], topic: str, *,
                  timeout_s: float, what: str) -> dict[str, bytes]:
    """The latest value of every key of partition 0 of `topic`, read up to its high watermark.

    `what` names the topic in errors ("ledger", "contracts"). The reader's group is named after the
    topic, so a principal allowed to read the topic can be allowed its reader groups by prefix.
    """
    consumer = new_consumer(client_config, group_id=f"{topic}.reader-{uuid.uuid4().hex[:12]}",
                            config={"enable.auto.commit": False, "auto.offset.reset": "earliest"})
    latest: dict[str, bytes] = {}
    try:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=timeout_s)
        if high <= low:
            return {}
        consumer.assign([TopicPartition(topic, 0, low)])
        position = low
        while position < high:
            message = consumer.poll(timeout_s)
            if message is None:
                raise KafkaError(f"Timed out reading the {what} topic {topic!r} at offset {position}",
                                 hint="check that the broker is reachable")
            if message.error():
                raise KafkaError(f"Cannot read the {what} topic {topic!r}", cause=message.error())
            position = (message.offset() or 0) + 1
            key, value = message.key(), message.value()
            if key is None:
                continue
            if value is None:
                latest.pop(key.decode(), None)  # a tombstone: the key was withdrawn
            else:
                latest[key.decode()] = value
    finally:
        consumer.close()
    return latest


def append(client_config: Mapping[str, str | int | float | bool], topic: str,
           records: Sequence[tuple[str, bytes | None]], *, timeout_s: float) -> None:
    """Append `(key, value)` records (value None: a tombstone) idempotently; wait until the broker has
    them all, else raise `DeliveryError` naming each failure."""
    if not records:
        return
    producer = new_producer(client_config, {"enable.idempotence": True})
    failures: list[tuple[str, bytes | str | None, str]] = []

    def on_delivery(err: object, msg: object) -> None:
        if err is not None:
            failures.append((topic, getattr(msg, "key", lambda: None)(), str(err)))

    for key, value in records:
        producer.produce(topic, key=key.encode(), value=value, on_delivery=on_delivery)
    remaining = producer.flush(timeout_s)
    if remaining:
        failures.append((topic, None, f"{remaining} message(s) still queued after {timeout_s}s"))
    if failures:
        raise DeliveryError(failures)
