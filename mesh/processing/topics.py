"""Topics a processor needs before it starts: partition counts of its inputs, and topics it must create.

Broker auto-creation is off. Quix Streams creates its own internal and changelog topics; the dead-letter
topics of the inputs are created here (same partition count as their input), and co-partitioned inputs
are checked to have equal partition counts, since a join over different counts is silently wrong.
Runs once at start-up, synchronously, with the librdkafka admin client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mesh.clients import TopicAdmin, TopicSpec
from mesh.core.errors import ConfigurationError
from mesh.core.settings import MeshSettings


def partition_counts(settings: MeshSettings, topics: Sequence[str], *, timeout_s: float = 15.0) -> dict[str, int]:
    """The partition count of each topic; ConfigurationError naming the topics that do not exist."""
    counts = TopicAdmin(settings, timeout_s=timeout_s).partitions(topics)
    missing = [t for t in topics if t not in counts]
    if missing:
        raise ConfigurationError(f"Input topic(s) {', '.join(missing)} do not exist",
                                 hint="provision the products first (`mesh products apply`)")
    return counts


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
    specs = [TopicSpec(name, n, replication_factor=replication_factor) for name, n in wanted.items()]
    return TopicAdmin(settings, timeout_s=timeout_s).ensure(specs)
