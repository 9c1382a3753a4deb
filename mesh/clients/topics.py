"""Topic administration, written once: which topics exist and with how many partitions, create if missing.

`TopicAdmin` wraps confluent-kafka's `AdminClient` (created on first use). `ensure` creates only
what is missing and tolerates a concurrent creator; `create` creates and fails on anything existing.
Kafka errors become `KafkaError`s whose hint says what to do (e.g. which grant is missing).
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
from mesh.core.errors import KafkaError

log = logging.getLogger(__name__)

_HINTS = {
    "TOPIC_AUTHORIZATION_FAILED": "this principal has no grant on the topic: ask its owner to add you as a "
    "consumer in the product descriptor and run `mesh products apply`",
    "CLUSTER_AUTHORIZATION_FAILED": "only the admin principal may do this: run it as admin or ask the platform team",
    "GROUP_AUTHORIZATION_FAILED": "this principal may not use that consumer group: use a group prefixed with "
    "your team's name",
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED": "this principal may not use that transactional id",
    "SASL_AUTHENTICATION_FAILED": "the broker refused the user name or password: check MESH_KAFKA__SASL_USERNAME "
    "and MESH_KAFKA__SASL_PASSWORD",
    "_AUTHENTICATION": "the broker refused the credentials: check MESH_KAFKA__SASL_USERNAME and "
    "MESH_KAFKA__SASL_PASSWORD",
}


def kafka_error(action: str, exc: BaseException) -> KafkaError:
    """One `KafkaError` for a failed Kafka operation, with a hint chosen by the broker's error code."""
    cause = exc.args[0] if isinstance(exc, confluent_kafka.KafkaException) and exc.args else exc
    name = cause.name() if isinstance(cause, confluent_kafka.KafkaError) else type(exc).__name__
    text = cause.str() if isinstance(cause, confluent_kafka.KafkaError) else str(exc)
    hint = _HINTS.get(name, "check that the broker runs, MESH_KAFKA__* settings and this principal's grants")
    return KafkaError(f"Cannot {action}: {name}: {text}", hint=hint, cause=cause)


def error_name(exc: BaseException) -> str:
    """The Kafka error name (e.g. `TOPIC_ALREADY_EXISTS`) inside a `KafkaException`, else the type name."""
    cause = exc.args[0] if isinstance(exc, confluent_kafka.KafkaException) and exc.args else None
    return cause.name() if isinstance(cause, confluent_kafka.KafkaError) else type(exc).__name__


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
