"""Topics a processor needs before it starts: partition counts of its inputs, and topics it must create.

Broker auto-creation is off. faust declares its own internal and changelog topics; the dead-letter
topics of the inputs are created here (same partition count as their input), and co-partitioned inputs
are checked to have equal partition counts, since a join over different counts is silently wrong.
Runs once at start-up, synchronously, with the librdkafka admin client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import confluent_kafka
from confluent_kafka.admin import (
    AdminClient,
    NewTopic,
)

from mesh.core.errors import ConfigurationError, KafkaError
from mesh.core.settings import MeshSettings

log = logging.getLogger(__name__)


def partition_counts(settings: MeshSettings, topics: Sequence[str], *, timeout_s: float = 15.0) -> dict[str, int]:
    """The partition count of each topic; ConfigurationError naming the topics that do not exist."""
    admin = AdminClient(dict(settings.kafka.client_config()))
    try:
        metadata = admin.list_topics(timeout=timeout_s).topics
    except confluent_kafka.KafkaException as exc:
        raise KafkaError(f"Cannot list topics: {exc}", cause=exc, hint="check MESH_KAFKA__BOOTSTRAP_SERVERS") from exc
    missing = [t for t in topics if t not in metadata or metadata[t].error is not None]
    if missing:
        raise ConfigurationError(f"Input topic(s) {', '.join(missing)} do not exist",
                                 hint="provision the products first (`mesh products apply`)")
    return {t: len(metadata[t].partitions) for t in topics}


def check_copartitioned(counts: Mapping[str, int], topics: Sequence[str]) -> int:
    """The common partition count of `topics`; ConfigurationError if they differ."""
    distinct = {counts[t] for t in topics}
    if len(distinct) != 1:
        listed = ", ".join(f"{t}={counts[t]}" for t in topics)
        raise ConfigurationError(f"Topics joined by key must have the same partition count: {listed}",
                                 hint="give the products the same `partitions` in their descriptors")
    return distinct.pop()


def ensure_topics(settings: MeshSettings, wanted: Mapping[str, int], *, replication_factor: int = -1,
                  timeout_s: float = 30.0) -> list[str]:
    """Create the topics of `wanted` (name -> partitions) that do not exist yet; returns those created."""
    admin = AdminClient(dict(settings.kafka.client_config()))
    existing = admin.list_topics(timeout=timeout_s).topics
    new = [NewTopic(name, num_partitions=n, replication_factor=replication_factor)
           for name, n in wanted.items() if name not in existing]
    created: list[str] = []
    if not new:
        return created
    for name, future in admin.create_topics(new).items():
        try:
            future.result(timeout=timeout_s)
            created.append(name)
        except confluent_kafka.KafkaException as exc:
            if exc.args[0].code() != confluent_kafka.KafkaError.TOPIC_ALREADY_EXISTS:
                raise KafkaError(f"Cannot create topic {name!r}: {exc}", cause=exc,
                                 hint="create it yourself or grant CreateTopics") from exc
    log.info("created topics %s", created)
    return created
