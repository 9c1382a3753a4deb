"""Topic administration, written once: which topics exist and with how many partitions, create if missing.

`TopicAdmin` wraps confluent-kafka's `AdminClient` (created on first use). `ensure` creates only
what is missing and tolerates a concurrent creator; `create` creates and fails on anything existing.
Kafka errors become `KafkaError`s whose hint says what to do (`mesh.clients.refusal.kafka_error`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import confluent_kafka
from confluent_kafka.admin import AdminClient, NewTopic

from mesh.clients.kafka import ConfigSource, admin
from mesh.clients.refusal import error_name, kafka_error

log = logging.getLogger(__name__)

@dataclass(frozen=True, slots=True)
class TopicSpec:
    """A topic to create: name, partitions, topic configs; replication -1 means the broker's default."""

    name: str
    partitions: int = 1
    config: Mapping[str, str] = field(default_factory=dict)
    replication_factor: int = -1


class TopicAdmin:
    """Lists and creates topics with one admin client (built from settings on first use)."""

    def __init__(self, source: ConfigSource | AdminClient, *, timeout_s: float = 30.0) -> None:
        self._source = source
        self._admin: AdminClient | None = source if isinstance(source, AdminClient) else None
        self.timeout_s = timeout_s

    @property
    def client(self) -> AdminClient:
        """The admin client, created on first use."""
        if self._admin is None:
            assert not isinstance(self._source, AdminClient)
            self._admin = admin(self._source, {"log_level": 4})
        return self._admin

    def partitions(self, names: Iterable[str] | None = None) -> dict[str, int]:
        """Partition count of each existing topic among `names` (all topics when None)."""
        try:
            metadata = self.client.list_topics(timeout=self.timeout_s).topics
        except confluent_kafka.KafkaException as exc:
            raise kafka_error("list topics", exc) from exc
        wanted = set(metadata) if names is None else set(names)
        return {n: len(t.partitions) for n, t in metadata.items() if n in wanted and t.error is None}

    def wait(self, action: str, futures: Mapping[Any, Future[Any]], *, tolerate: Sequence[str] = ()) -> dict[Any, Any]:
        """Wait for admin futures; errors named in `tolerate` are skipped, others raise `KafkaError`."""
        results: dict[Any, Any] = {}
        for key, future in futures.items():
            try:
                results[key] = future.result(timeout=self.timeout_s)
            except confluent_kafka.KafkaException as exc:
                if error_name(exc) not in tolerate:
                    raise kafka_error(f"{action} {getattr(key, 'name', key)!r}", exc) from exc
        return results

    def create(self, specs: Sequence[TopicSpec], *, tolerate_existing: bool = False) -> list[str]:
        """Create `specs`; returns the names created."""
        if not specs:
            return []
        new = [NewTopic(s.name, num_partitions=s.partitions, replication_factor=s.replication_factor,
                        config=dict(s.config)) for s in specs]
        tolerate = ("TOPIC_ALREADY_EXISTS",) if tolerate_existing else ()
        done = self.wait("create topic", self.client.create_topics(new), tolerate=tolerate)
        created = sorted(done)
        if created:
            log.info("created topics %s", ", ".join(created))
        return created

    def ensure(self, specs: Sequence[TopicSpec]) -> list[str]:
        """Create the topics of `specs` that do not exist yet (a concurrent creator is fine)."""
        existing = self.partitions(s.name for s in specs)
        return self.create([s for s in specs if s.name not in existing], tolerate_existing=True)
