"""Fixtures shared by every test: a real Kafka broker for integration tests, unique names per test.

`kafka_bootstrap` (session) uses, in order: the cluster named by MESH_KAFKA__BOOTSTRAP_SERVERS; a
testcontainers Kafka when a Docker engine is reachable; the local broker (`mesh kafka start`'s code),
stopped at the end if this fixture started it. With CI=true a missing broker fails the run.

`schema_registry_url` (session) is MESH_REGISTRY__URL if set, else our registry started in-process on
the broker (unique `_schemas` topic); `registry_client` is a confluent-kafka SchemaRegistryClient on it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.brokers import BrokerUnavailable, acquire_broker
from tests.support.registry import acquire_registry

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap servers of a real, reachable Kafka cluster."""
    try:
        with acquire_broker() as bootstrap:
            yield bootstrap
    except BrokerUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"No Kafka broker for integration tests in CI: {exc}", pytrace=False)
        pytest.skip(f"no Kafka broker: {exc}")


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
def schema_registry_url(kafka_bootstrap: str) -> Iterator[str]:
    """URL of a Confluent-compatible schema registry: MESH_REGISTRY__URL, else ours in-process."""
    with acquire_registry(kafka_bootstrap) as url:
        yield url


@pytest.fixture
def registry_client(schema_registry_url: str) -> Iterator[SchemaRegistryClient]:
    """A confluent-kafka SchemaRegistryClient on `schema_registry_url` (fresh cache per test, closed after)."""
    from confluent_kafka.schema_registry import SchemaRegistryClient

    with SchemaRegistryClient({"url": schema_registry_url}) as client:
        yield client
