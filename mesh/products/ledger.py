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
from collections.abc import Mapping

from confluent_kafka.admin import AdminClient

from mesh.clients import TopicAdmin, TopicSpec
from mesh.clients.compacted import append, latest_values
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
        values = latest_values(self._config, self.topic, timeout_s=self._timeout, what="ledger")
        return {key: decode(value) for key, value in values.items()}

    def write(self, entries: list[LedgerEntry]) -> None:
        """Append entries and wait until the broker has them all."""
        if not entries:
            return
        append(self._config, self.topic, [(e.topic, encode(e)) for e in entries], timeout_s=self._timeout)
        log.info("recorded %d ledger entries in %s", len(entries), self.topic)
