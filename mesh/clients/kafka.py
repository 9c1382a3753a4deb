"""Every Kafka client of the mesh is built here, from `MeshSettings`, so security settings apply once.

`kafka_config(settings)` is the librdkafka dict (bootstrap servers, security protocol, SASL, TLS);
`producer`, `consumer` and `admin` build confluent-kafka clients from it plus per-use overrides.
No client touches the network when it is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import confluent_kafka
from confluent_kafka.admin import AdminClient

from mesh.core.settings import ClientConfig, MeshSettings

ConfigSource = MeshSettings | Mapping[str, str | int | float | bool]
"""Settings, or a librdkafka dict already built from settings (e.g. by `kafka_config`)."""


def kafka_config(source: ConfigSource, overrides: Mapping[str, Any] | None = None) -> ClientConfig:
    """The librdkafka dict for `source` with `overrides` on top (callbacks such as `on_delivery` allowed)."""
    base = source.kafka.client_config() if isinstance(source, MeshSettings) else dict(source)
    return {**base, **dict(overrides or {})}


FETCH_BUFFER_MB = 16
"""Prefetch per consumer that mesh's long-running readers allow (librdkafka's default: 64 MB)."""


def prefetch_limit(mb: int = FETCH_BUFFER_MB) -> dict[str, int]:
    """librdkafka settings capping a consumer's queue of prefetched messages at `mb` MB: its RAM against
    fetching ahead (the processor and view server set it; 16 MB kept their throughput, bench/README.md)."""
    return {"queued.max.messages.kbytes": mb * 1024}


def producer(source: ConfigSource, config: Mapping[str, Any] | None = None) -> confluent_kafka.Producer:
    """A producer; `config` adds or overrides librdkafka settings (acks, idempotence, ...)."""
    return confluent_kafka.Producer(kafka_config(source, config))


def consumer(
    source: ConfigSource, *, group_id: str, config: Mapping[str, Any] | None = None
) -> confluent_kafka.Consumer:
    """A consumer in group `group_id`; `config` adds or overrides librdkafka settings."""
    return confluent_kafka.Consumer(kafka_config(source, {"group.id": group_id, **dict(config or {})}))


def admin(source: ConfigSource, config: Mapping[str, Any] | None = None) -> AdminClient:
    """An admin client (topics, configs, ACLs, SCRAM users)."""
    return AdminClient(kafka_config(source, config))
