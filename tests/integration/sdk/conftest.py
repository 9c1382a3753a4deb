"""SDK integration fixtures: settings for the real broker and registry, topics created and removed per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from mesh.core.naming import dlq_topic
from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings


@pytest.fixture
def sdk_settings(kafka_settings: KafkaSettings, schema_registry_url: str) -> MeshSettings:
    """MeshSettings pointing at the session's broker and registry."""
    return MeshSettings(kafka=kafka_settings,
                        registry=RegistrySettings(url=schema_registry_url))


@pytest.fixture
def make_topic(kafka_settings: KafkaSettings, unique_name: Callable[[str], str]) -> Iterator[Callable[..., str]]:
    """Create a fresh topic (deleted with its DLQ after the test): `make_topic("claims", partitions=1)`."""
    admin = AdminClient(kafka_settings.client_config())
    created: list[str] = []

    def make(prefix: str = "sdk", *, partitions: int = 1) -> str:
        topic = unique_name(prefix)
        admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])[topic].result(30)
        created.append(topic)
        return topic

    yield make
    doomed = [name for topic in created for name in (topic, dlq_topic(topic))]
    existing = set(admin.list_topics(timeout=10).topics)
    futures = admin.delete_topics([t for t in doomed if t in existing]) if existing & set(doomed) else {}
    for future in futures.values():
        future.result(30)
