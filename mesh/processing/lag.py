"""How far a consumer group is behind: committed offsets against end offsets, per partition.

For operators, tests and demos that need to know when a processor has caught up. Reads the group's
committed offsets without joining the group (it never disturbs the processor's assignment).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import confluent_kafka

from mesh.clients import consumer as new_consumer
from mesh.core.errors import KafkaError
from mesh.core.settings import MeshSettings


def group_lag(settings: MeshSettings, group_id: str, topics: Sequence[str], *, timeout_s: float = 10.0) -> dict[str, int]:
    """Messages not yet committed by `group_id`, per topic (an uncommitted partition counts from its start)."""
    consumer = new_consumer(settings, group_id=group_id, config={
        "enable.auto.commit": False, "client.id": f"mesh-lag-{uuid.uuid4().hex[:6]}"})
    try:
        return _lag(consumer, topics, timeout_s)
    except confluent_kafka.KafkaException as exc:
        raise KafkaError(f"Cannot read the offsets of group {group_id!r}: {exc}", cause=exc,
                         hint="transient right after topics were created; retry") from exc
    finally:
        consumer.close()


def _lag(consumer: confluent_kafka.Consumer, topics: Sequence[str], timeout_s: float) -> dict[str, int]:
    metadata = consumer.list_topics(timeout=timeout_s).topics
    tps = [confluent_kafka.TopicPartition(t, p) for t in topics if t in metadata for p in metadata[t].partitions]
    committed = consumer.committed(tps, timeout=timeout_s) if tps else []
    lag: dict[str, int] = {t: 0 for t in topics}
    for tp in committed:
        low, high = consumer.get_watermark_offsets(tp, timeout=timeout_s, cached=False)
        start = tp.offset if tp.offset >= 0 else low
        lag[tp.topic] += max(0, high - start)
    return lag


def end_offsets(settings: MeshSettings, topics: Sequence[str], *, timeout_s: float = 10.0) -> dict[str, int]:
    """The number of messages ever written to each topic (sum of high watermarks)."""
    consumer = new_consumer(settings, group_id=f"mesh-offsets-{uuid.uuid4().hex[:6]}")
    try:
        metadata = consumer.list_topics(timeout=timeout_s).topics
        totals: dict[str, int] = {t: 0 for t in topics}
        for t in topics:
            if t not in metadata:
                continue
            for p in metadata[t].partitions:
                totals[t] += consumer.get_watermark_offsets(confluent_kafka.TopicPartition(t, p),
                                                            timeout=timeout_s, cached=False)[1]
        return totals
    finally:
        consumer.close()
