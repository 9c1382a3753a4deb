"""What the catalog reads from Kafka, with every broker round trip counted (`BrokerView.requests`).

One observation of a product topic costs: a metadata request, a watermark request per partition
(topic and dead-letter topic), one offsets-for-times request (the rate window), the fetches of the
newest message(s) of each partition (last event time and samples), and with `groups=True` one
list-groups request plus one offsets request per consumer group of the cluster. The catalog never
joins a group or commits: it assigns partitions and reads.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import confluent_kafka
from confluent_kafka.admin import AdminClient

from mesh.catalog.status import GroupLag, TopicObservation
from mesh.clients import admin as admin_client
from mesh.clients import consumer as consumer_client
from mesh.core.errors import KafkaError
from mesh.core.settings import MeshSettings

log = logging.getLogger(__name__)
_HINT = "check that Kafka answers at MESH_KAFKA__BOOTSTRAP_SERVERS"


class BrokerView:
    """Reads topic state and recent messages; clients are created on first use, closed by `close()`."""

    def __init__(self, settings: MeshSettings, *, timeout_s: float = 10.0, read_timeout_s: float = 10.0) -> None:
        self._settings = settings
        self._timeout_s = timeout_s
        self._read_timeout_s = read_timeout_s
        self._consumer: confluent_kafka.Consumer | None = None
        self._admin: AdminClient | None = None
        self.requests = 0
        """Broker round trips issued so far (what a page view costs the cluster)."""

    def _kafka(self) -> confluent_kafka.Consumer:
        if self._consumer is None:
            self._consumer = consumer_client(self._settings, group_id=f"mesh-catalog-{uuid.uuid4().hex[:8]}",
                                              config={"enable.auto.commit": False, "enable.partition.eof": False,
                                                      "client.id": "mesh-catalog", "fetch.wait.max.ms": 50})
        return self._consumer

    def _admin_client(self) -> AdminClient:
        if self._admin is None:
            self._admin = admin_client(self._settings)
        return self._admin

    def close(self) -> None:
        """Close the Kafka clients (a later call opens new ones)."""
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
        self._admin = None

    def observe(self, topic: str, dlq_topic: str, *, window_s: int = 60, samples: int = 0,
                groups: bool = True) -> tuple[TopicObservation, list[Any]]:
        """The topic's state now, and its newest `samples` messages (newest first)."""
        try:
            return self._observe(topic, dlq_topic, window_s=window_s, samples=samples, groups=groups)
        except confluent_kafka.KafkaException as exc:
            raise KafkaError(f"Cannot read the state of topic {topic!r}: {exc}", cause=exc, hint=_HINT) from exc

    def _observe(self, topic: str, dlq_topic: str, *, window_s: int, samples: int,
                 groups: bool) -> tuple[TopicObservation, list[Any]]:
        at_ms = int(time.time() * 1000)
        kafka = self._kafka()
        self.requests += 1
        metadata = kafka.list_topics(timeout=self._timeout_s).topics
        if topic not in metadata:
            return TopicObservation(topic=topic, exists=False, at_ms=at_ms, window_s=window_s), []
        marks = self._watermarks(topic, sorted(metadata[topic].partitions))
        dlq_marks = self._watermarks(dlq_topic, sorted(metadata[dlq_topic].partitions)) if dlq_topic in metadata else {}
        # offsets-for-times before the fetches: a broker answers a connection's requests in order, so
        # behind a long-polling fetch it waited fetch.wait.max.ms (measured: +500 ms per page view)
        recent = self._since(topic, marks, at_ms - window_s * 1000)
        tail = self._tail(topic, marks, max(1, samples))
        stamps = [m.timestamp()[1] for m in tail if m.timestamp()[0] != confluent_kafka.TIMESTAMP_NOT_AVAILABLE]
        seen = TopicObservation(
            topic=topic, exists=True, at_ms=at_ms, retained=sum(h - lo for lo, h in marks.values()),
            last_event_ms=max(stamps) if stamps else None, recent=recent,
            window_s=window_s, dead_letters=sum(h - lo for lo, h in dlq_marks.values()),
            groups=self._groups(topic, marks) if groups else (),
        )
        tail.sort(key=lambda m: m.timestamp()[1], reverse=True)
        return seen, tail[:samples]

    def _watermarks(self, topic: str, partitions: list[int]) -> dict[int, tuple[int, int]]:
        kafka = self._kafka()
        self.requests += len(partitions)
        return {p: kafka.get_watermark_offsets(confluent_kafka.TopicPartition(topic, p),
                                               timeout=self._timeout_s, cached=False) for p in partitions}

    def _since(self, topic: str, marks: dict[int, tuple[int, int]], since_ms: int) -> int:
        """Messages written at or after `since_ms`."""
        if not marks:
            return 0
        self.requests += 1
        found = self._kafka().offsets_for_times(
            [confluent_kafka.TopicPartition(topic, p, since_ms) for p in marks], timeout=self._timeout_s)
        return sum(marks[tp.partition][1] - tp.offset for tp in found if tp.offset >= 0)

    def _tail(self, topic: str, marks: dict[int, tuple[int, int]], per_partition: int) -> list[Any]:
        """The newest `per_partition` messages of every non-empty partition."""
        starts = {p: max(lo, hi - per_partition) for p, (lo, hi) in marks.items() if hi > lo}
        if not starts:
            return []
        kafka = self._kafka()
        kafka.assign([confluent_kafka.TopicPartition(topic, p, o) for p, o in starts.items()])
        out: list[Any] = []
        expected = sum(marks[p][1] - o for p, o in starts.items())
        deadline = time.monotonic() + self._read_timeout_s
        try:
            while time.monotonic() < deadline:
                self.requests += 1
                # ask for exactly what is missing: consume() returns as soon as that many arrived
                batch = kafka.consume(num_messages=max(1, expected - len(out)), timeout=0.2)
                out.extend(m for m in batch if m.error() is None)
                positions = kafka.position([confluent_kafka.TopicPartition(topic, p) for p in starts])
                if all(tp.offset >= marks[tp.partition][1] for tp in positions):
                    break  # transaction markers never arrive as messages: positions say when we are done
        finally:
            kafka.unassign()
        return out

    def _groups(self, topic: str, marks: dict[int, tuple[int, int]]) -> tuple[GroupLag, ...]:
        admin = self._admin_client()
        self.requests += 1
        listed = admin.list_consumer_groups(request_timeout=self._timeout_s).result()
        found: list[GroupLag] = []
        for listing in sorted(listed.valid, key=lambda g: g.group_id):
            self.requests += 1
            request = [confluent_kafka.ConsumerGroupTopicPartitions(listing.group_id)]
            futures = admin.list_consumer_group_offsets(request, request_timeout=self._timeout_s)
            offsets = futures[listing.group_id].result()
            committed = {tp.partition: tp.offset for tp in offsets.topic_partitions or []
                         if tp.topic == topic and tp.offset >= 0}
            if committed:  # a partition the group has not committed on yet counts from its start
                found.append(GroupLag(listing.group_id, sum(max(0, hi - committed.get(p, lo))
                                                            for p, (lo, hi) in marks.items())))
        return tuple(found)
