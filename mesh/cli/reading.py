"""How `mesh consume` and `mesh dlq` read topics: read-only by default, in a group only when asked.

Without `--group` the partitions are assigned directly (no group membership, no committed offsets: a
look at a topic leaves nothing behind on the cluster). With `--group` the topics are subscribed in
that group and offsets are committed as usual. A topic that does not exist, or a partition it does
not have, is a ConfigurationError naming it (exit 2), not an empty read that looks like success.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import confluent_kafka

from mesh.clients import admin, consumer
from mesh.core.errors import ConfigurationError, KafkaError
from mesh.core.settings import MeshSettings

_POLL_S = 0.5


@dataclass(frozen=True)
class Position:
    """Where to start: `offset` (None: the end, or the beginning with `from_beginning`), `partition` (None: all)."""

    partition: int | None = None
    offset: int | None = None
    from_beginning: bool = False


def partitions_of(settings: MeshSettings, topics: Sequence[str]) -> dict[str, list[int]]:
    """The partitions of each topic; a ConfigurationError names a topic that does not exist."""
    try:
        metadata = admin(settings).list_topics(timeout=10)
    except confluent_kafka.KafkaException as exc:
        raise KafkaError(f"Cannot read the topics of {settings.kafka.bootstrap_servers}: {exc}", cause=exc,
                         hint="check that the broker is reachable") from exc
    found: dict[str, list[int]] = {}
    for topic in topics:
        meta = metadata.topics.get(topic)
        if meta is None or meta.error is not None or not meta.partitions:
            raise ConfigurationError(f"Topic {topic!r} does not exist on {settings.kafka.bootstrap_servers}",
                                     hint="check the name (`mesh products list` shows product topics; "
                                     "`mesh products apply` creates them)")
        found[topic] = sorted(meta.partitions)
    return found


def assignment(settings: MeshSettings, topics: Sequence[str], position: Position) -> list[confluent_kafka.TopicPartition]:
    """The partitions to read and where to start in each (checks that they exist)."""
    start = (position.offset if position.offset is not None
             else confluent_kafka.OFFSET_BEGINNING if position.from_beginning else confluent_kafka.OFFSET_END)
    chosen: list[confluent_kafka.TopicPartition] = []
    for topic, partitions in partitions_of(settings, topics).items():
        if position.partition is not None and position.partition not in partitions:
            raise ConfigurationError(f"Topic {topic!r} has no partition {position.partition}",
                                     hint=f"its partitions are 0..{partitions[-1]}")
        chosen += [confluent_kafka.TopicPartition(topic, p, start) for p in partitions
                   if position.partition is None or p == position.partition]
    return chosen


def messages(
    settings: MeshSettings,
    topics: Sequence[str],
    position: Position,
    *,
    group: str | None = None,
    idle_timeout: float | None = None,
    to_end: bool = False,
) -> Iterator[confluent_kafka.Message]:
    """Messages of `topics` in order per partition; stops after `idle_timeout` idle seconds, or (`to_end`)
    once every assigned partition was read to its end. With `group`, offsets are committed in it."""
    assigned = assignment(settings, topics, position)
    conf: dict[str, str | int | float | bool] = {
        "enable.auto.commit": group is not None,
        "enable.partition.eof": to_end,
        "auto.offset.reset": "earliest" if position.from_beginning else "latest",
    }
    # librdkafka wants a group id even for assigned partitions; without --group it is never used (no commit)
    reader = consumer(settings, group_id=group or f"mesh-cli-{uuid.uuid4().hex[:12]}", config=conf)
    try:
        if group is None:
            reader.assign(assigned)
        else:
            reader.subscribe(list(topics))
        yield from _loop(reader, {(tp.topic, tp.partition) for tp in assigned}, idle_timeout, to_end)
    finally:
        reader.close()


def _loop(reader: confluent_kafka.Consumer, partitions: set[tuple[str, int]], idle_timeout: float | None,
          to_end: bool) -> Iterator[confluent_kafka.Message]:
    ended: set[tuple[str, int]] = set()
    idle_since = time.monotonic()
    while not (to_end and ended >= partitions):
        message = reader.poll(_POLL_S)
        if message is None:
            if idle_timeout is not None and time.monotonic() - idle_since >= idle_timeout:
                return
            continue
        idle_since = time.monotonic()
        error = message.error()
        if error is None:
            ended.discard((message.topic(), message.partition()))
            yield message
        elif error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
            ended.add((message.topic(), message.partition()))
        elif error.fatal() or error.code() == confluent_kafka.KafkaError.UNKNOWN_TOPIC_OR_PART:
            raise KafkaError(f"Reading {message.topic()} failed: {error.str()}", cause=error,
                             hint="check that the topic exists and the broker is reachable")
