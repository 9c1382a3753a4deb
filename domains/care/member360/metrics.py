"""What the member-360 topic says about the processor: freshness and throughput, from record timestamps.

Every view record carries `mesh_input_ts`, the Kafka timestamp of the oldest input event folded into
it since the member's previous view (or of its identity link, when the event had to wait for the
link); its own Kafka timestamp is when the view was produced, just before its checkpoint commits
(records are read committed). Freshness is the difference; throughput
is input events over the span from the first to the last view record. For demos and benchmarks.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import confluent_kafka

from domains.care.member360.app import INPUT_TS_HEADER
from mesh.core.settings import MeshSettings


@dataclass(frozen=True, slots=True)
class ViewTimings:
    """(published ms, input ms) of every view record on the topic."""

    records: tuple[tuple[int, int], ...]

    @property
    def span_s(self) -> float:
        """Seconds from the first to the last published view."""
        published = [out for out, _ in self.records]
        return (max(published) - min(published)) / 1000 if published else 0.0

    def throughput(self, input_events: int, *, start_ms: int | None = None) -> float:
        """Input events per second over the publishing span, or from `start_ms` (e.g. when the feed
        started) to the last published view: with coalesced views the first one waits for a checkpoint."""
        if start_ms is not None and self.records:
            span = (max(out for out, _ in self.records) - start_ms) / 1000
            return input_events / span if span > 0 else 0.0
        return input_events / self.span_s if self.span_s > 0 else 0.0

    def freshness(self, quantile: float) -> float:
        """Seconds from input event to view update at `quantile` (0.5 for p50, 0.99 for p99)."""
        lags = sorted(out - inp for out, inp in self.records)
        if not lags:
            return 0.0
        return lags[min(len(lags) - 1, int(len(lags) * quantile))] / 1000


def view_timings(settings: MeshSettings, topic: str, *, idle_s: float = 5.0) -> ViewTimings:
    """Read the whole member-360 topic (stops after `idle_s` without records).

    Partitions are assigned, not subscribed: no consumer group, so the topic's READ grant is enough
    (the care principal has no group outside its processor's).
    """
    consumer = confluent_kafka.Consumer({**settings.kafka.client_config(), "group.id": f"m360-timings-{uuid.uuid4().hex}",
                                         "enable.auto.commit": False,
                                         "isolation.level": "read_committed"})
    partitions = consumer.list_topics(topic, timeout=30).topics[topic].partitions
    consumer.assign([confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions])
    found: list[tuple[int, int]] = []
    idle = time.monotonic()
    try:
        while time.monotonic() - idle < idle_s:
            for message in consumer.consume(1000, 0.5):
                if message.error():
                    continue
                idle = time.monotonic()
                stamp = dict(message.headers() or []).get(INPUT_TS_HEADER)
                if stamp is not None:
                    found.append((message.timestamp()[1], int(stamp)))
    finally:
        consumer.close()
    return ViewTimings(tuple(found))
