"""Fixtures shared by every test: a real Kafka broker for integration tests, unique names per test.

`kafka_broker` (session) uses, in order: the cluster named by MESH_KAFKA__BOOTSTRAP_SERVERS (with the
MESH_KAFKA__SASL_* of a principal that may create users and ACLs); a testcontainers Kafka when a Docker
engine is reachable; the local broker (`mesh kafka start`'s code, secured, its admin read from its state
dir), stopped at the end if this fixture started it. With CI=true a missing broker fails the run.

Tests never run as the admin: `kafka_settings` (session) is a SCRAM principal allowed everything on the
tests' own names (`t.`, `t-`, `test.`) and nothing else (tests/support/access.py); `kafka_config` is its librdkafka dict and
`mesh_settings` its MeshSettings with the registry. Use those, never a bare bootstrap address.

`schema_registry_url` (session) is MESH_REGISTRY__URL if set, else our registry started in-process on
the broker (unique `_schemas` topic); `registry_client` is a confluent-kafka SchemaRegistryClient on it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from mesh.core.settings import ClientConfig, KafkaSettings, MeshSettings, RegistrySettings
from tests.support.access import test_principal
from tests.support.brokers import Broker, BrokerUnavailable, acquire_broker
from tests.support.registry import acquire_registry

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[Broker]:
    """A real, reachable Kafka cluster and the settings of the principal that manages its access."""
    try:
        with acquire_broker() as broker:
            yield broker
    except BrokerUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"No Kafka broker for integration tests in CI: {exc}", pytrace=False)
        pytest.skip(f"no Kafka broker: {exc}")


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_broker: Broker) -> str:
    """Bootstrap servers of the session's cluster (connect with `kafka_settings`/`kafka_config`)."""
    return kafka_broker.bootstrap


@pytest.fixture(scope="session")
def kafka_settings(kafka_broker: Broker) -> KafkaSettings:
    """Client settings of the session's test principal (everything on the tests' names, nothing else)."""
    return test_principal(kafka_broker.admin).model_copy(update={"bootstrap_servers": kafka_broker.bootstrap})


@pytest.fixture(scope="session")
def kafka_config(kafka_settings: KafkaSettings) -> ClientConfig:
    """The test principal's librdkafka dict, for raw confluent-kafka clients."""
    return kafka_settings.client_config()


@pytest.fixture
def mesh_settings(kafka_settings: KafkaSettings, schema_registry_url: str) -> MeshSettings:
    """MeshSettings of the test principal on the session's broker and registry."""
    return MeshSettings(kafka=kafka_settings, registry=RegistrySettings(url=schema_registry_url))


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """Make names (topics, groups, subjects) unique to this test: `unique_name("claims")`."""
    base = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")[:40]
    token = uuid.uuid4().hex[:8]

    def make(prefix: str) -> str:
        return f"t.{prefix}.{base}.{token}"

    return make


@pytest.fixture
def topic_name(unique_name: Callable[[str], str]) -> str:
    """A topic name no other test uses."""
    return unique_name("topic")


@pytest.fixture
def group_id(unique_name: Callable[[str], str]) -> str:
    """A consumer group no other test uses."""
    return unique_name("group")


@pytest.fixture(scope="session")
def schema_registry_url(kafka_settings: KafkaSettings) -> Iterator[str]:
    """URL of a Confluent-compatible schema registry: MESH_REGISTRY__URL, else ours in-process."""
    with acquire_registry(kafka_settings) as url:
        yield url


@pytest.fixture
def registry_client(schema_registry_url: str) -> Iterator[SchemaRegistryClient]:
    """A confluent-kafka SchemaRegistryClient on `schema_registry_url` (fresh cache per test, closed after)."""
    from confluent_kafka.schema_registry import SchemaRegistryClient

    with SchemaRegistryClient({"url": schema_registry_url}) as client:
        yield client
