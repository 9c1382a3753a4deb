"""How far a consumer group is behind: committed offsets against end offsets, per partition.

For operators, tests and demos that need to know when a processor has caught up. Reads the group's
committed offsets without joining the group (it never disturbs the processor's assignment).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

import confluent_kafka

from mesh.clients import admin as new_admin
from mesh.clients import consumer as new_consumer
from mesh.core.errors import KafkaError
from mesh.core.settings import MeshSettings


def group_lag(settings: MeshSettings, group_id: str, topics: Sequence[str], *, timeout_s: float = 10.0) -> dict[str, int]:
    """Messages not yet committed by `group_id`, per topic (an uncommitted partition counts from its start)."""
    consumer = new_consumer(settings, group_id=group_id, config={
        "enable.auto.commit": False, "client.id": f"mesh-lag-{uuid.uuid4().hex[:6]}",
        "enable.partition.eof": True, "isolation.level": "read_committed"})
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
    short: list[confluent_kafka.TopicPartition] = []
    for tp in committed:
        low, high = consumer.get_watermark_offsets(tp, timeout=timeout_s, cached=False)
        start = tp.offset if tp.offset >= 0 else low
        behind = max(0, high - start)
        if 0 < behind <= _MARKERS:
            short.append(confluent_kafka.TopicPartition(tp.topic, tp.partition, start))
        lag[tp.topic] += behind
    for (topic, _), markers in _only_markers(consumer, short, timeout_s).items():
        lag[topic] -= markers  # transaction markers take offsets but are no messages
    return lag


_MARKERS = 10


def _only_markers(consumer: confluent_kafka.Consumer, tps: list[confluent_kafka.TopicPartition],
                  timeout_s: float) -> dict[tuple[str, int], int]:
    """Those of `tps` (at their start offsets) that hold no readable message, with their marker counts.

    A transactional producer (an exactly-once processor's) ends each transaction with a commit marker,
    which takes an offset but is never delivered, so a fully committed partition can end one or more
    offsets past its group's committed offset.
    """
    if not tps:
        return {}
    consumer.assign(tps)
    pending = {(tp.topic, tp.partition): tp for tp in tps}
    empty: dict[tuple[str, int], int] = {}
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        for message in consumer.consume(100, 0.5):
            where = (message.topic(), message.partition())
            tp = pending.pop(where, None)
            if tp is None:
                continue
            error = message.error()
            if error is not None and error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
                high = consumer.get_watermark_offsets(tp, cached=True)[1]
                empty[where] = max(0, high - tp.offset)
    consumer.unassign()
    return empty


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


def topic_names(settings: MeshSettings, *, timeout_s: float = 10.0) -> list[str]:
    """The names of every topic of the cluster (e.g. to find a processor's internal topics by prefix)."""
    admin = new_admin(settings)
    try:
        return sorted(admin.list_topics(timeout=timeout_s).topics)
    except confluent_kafka.KafkaException as exc:
        raise KafkaError(f"Cannot list topics: {exc}", cause=exc, hint="check MESH_KAFKA__BOOTSTRAP_SERVERS") from exc
