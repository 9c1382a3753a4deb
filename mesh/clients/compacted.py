"""Read a single-partition compacted topic to its end: the latest value per key (the ledger, contracts).

A tombstone (no value) removes its key. Keys are UTF-8 text; values are returned as bytes for the
caller to decode.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from confluent_kafka import TopicPartition

from mesh.clients.kafka import consumer as new_consumer
from mesh.core.errors import KafkaError


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
