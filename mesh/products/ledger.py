"""The provisioning ledger: what `mesh products apply` last applied per topic, in a compacted topic.

Kafka topic metadata has no place for a product's key (unknown topic configs are rejected), yet a key
change must be refused. So after applying, the provisioner writes one JSON record per product topic,
keyed by the topic name, to a single-partition compacted topic (`_mesh_products` by default): the
latest record per topic survives compaction, every provisioner sees the same history, and nothing
depends on a local file. Reading it means consuming that partition from the start to its end.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping

from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient

from mesh.clients import TopicAdmin, TopicSpec
from mesh.clients import consumer as new_consumer
from mesh.clients import producer as new_producer
from mesh.core.errors import DeliveryError, KafkaError
from mesh.products.plan import LedgerEntry

log = logging.getLogger(__name__)

DEFAULT_LEDGER_TOPIC = "_mesh_products"


def encode(entry: LedgerEntry) -> bytes:
    """A ledger record's value."""
    return json.dumps({"topic": entry.topic, "product_id": entry.product_id, "key": entry.key,
                       "partitions": entry.partitions}, sort_keys=True).encode()


def decode(value: bytes) -> LedgerEntry:
    """The entry of a ledger record's value."""
    data = json.loads(value)
    return LedgerEntry(topic=data["topic"], product_id=data["product_id"], key=data["key"],
                       partitions=int(data["partitions"]))


class Ledger:
    """Reads and appends ledger records; `client_config` is the librdkafka dict from MeshSettings."""

    def __init__(self, client_config: Mapping[str, str | int | float | bool], *, topic: str = DEFAULT_LEDGER_TOPIC,
                 timeout_s: float = 15.0) -> None:
        self._config: dict[str, str | int | float | bool] = dict(client_config)
        self.topic = topic
        self._timeout = timeout_s

    def ensure_topic(self, admin: AdminClient) -> None:
        """Create the ledger topic (1 partition, compacted) if it does not exist yet."""
        TopicAdmin(admin, timeout_s=self._timeout).ensure(
            [TopicSpec(self.topic, 1, config={"cleanup.policy": "compact"})])

    def read(self, admin: AdminClient) -> dict[str, LedgerEntry]:
        """The latest entry per topic (empty if the ledger topic does not exist)."""
        if self.topic not in admin.list_topics(timeout=self._timeout).topics:
            return {}
        consumer = new_consumer(self._config, group_id=f"{self.topic}.reader-{uuid.uuid4().hex[:12]}",
                                config={"enable.auto.commit": False, "auto.offset.reset": "earliest"})
        entries: dict[str, LedgerEntry] = {}
        try:
            low, high = consumer.get_watermark_offsets(TopicPartition(self.topic, 0), timeout=self._timeout)
            if high <= low:
                return {}
            consumer.assign([TopicPartition(self.topic, 0, low)])
            position = low
            while position < high:
                message = consumer.poll(self._timeout)
                if message is None:
                    raise KafkaError(f"Timed out reading the ledger topic {self.topic!r} at offset {position}",
                                     hint="check that the broker is reachable")
                if message.error():
                    raise KafkaError(f"Cannot read the ledger topic {self.topic!r}", cause=message.error())
                position = (message.offset() or 0) + 1
                key, value = message.key(), message.value()
                if key is None:
                    continue
                if value is None:
                    entries.pop(key.decode(), None)  # a tombstone: the topic was retired
                else:
                    entries[key.decode()] = decode(value)
        finally:
            consumer.close()
        return entries

    def write(self, entries: list[LedgerEntry]) -> None:
        """Append entries and wait until the broker has them all."""
        if not entries:
            return
        producer = new_producer(self._config, {"enable.idempotence": True})
        failures: list[tuple[str, bytes | str | None, str]] = []

        def on_delivery(err: object, msg: object) -> None:
            if err is not None:
                failures.append((self.topic, getattr(msg, "key", lambda: None)(), str(err)))

        for entry in entries:
            producer.produce(self.topic, key=entry.topic.encode(), value=encode(entry), on_delivery=on_delivery)
        remaining = producer.flush(self._timeout)
        if remaining:
            failures.append((self.topic, None, f"{remaining} message(s) still queued after {self._timeout}s"))
        if failures:
            raise DeliveryError(failures)
        log.info("recorded %d ledger entries in %s", len(entries), self.topic)
