"""`Provisioner` against the real broker: creates, is idempotent, refuses unsafe changes, applies safe ones."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from confluent_kafka.admin import AdminClient

from mesh.core.errors import ProvisioningError
from mesh.core.settings import KafkaSettings
from mesh.products.loader import Product, load_descriptor
from mesh.products.provision import Provisioner
from mesh.products.registrar import ConfluentRegistrar, InMemoryRegistrar

MakeProduct = Callable[..., Product]


@pytest.fixture
def admin(kafka_settings: KafkaSettings) -> AdminClient:
    return AdminClient(kafka_settings.client_config())


@pytest.fixture
def make_product(tmp_path: Path, admin: AdminClient) -> Iterator[MakeProduct]:
    """Descriptors like the shipped ones, on topics of their own (deleted afterwards)."""
    token = uuid.uuid4().hex[:8]
    created: set[str] = set()

    def make(source: str, **changes: Any) -> Product:
        data = yaml.safe_load(Path(source).read_text())
        domain = data["domain"]
        data.update(id=f"{domain}.p{token}", namespace="test", **changes)
        path = tmp_path / domain / "products" / f"p{token}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data))
        product = load_descriptor(path)
        created.update({product.descriptor.topic, product.descriptor.dlq_topic})
        return product

    yield make
    existing = created & set(admin.list_topics(timeout=10).topics)
    if existing:
        for future in admin.delete_topics(sorted(existing)).values():
            future.result(timeout=30)


@pytest.fixture
def ledger_topic(admin: AdminClient, unique_name: Callable[[str], str]) -> Iterator[str]:
    """A ledger topic of this test's own, deleted afterwards."""
    name = unique_name("ledger")
    yield name
    if name in admin.list_topics(timeout=10).topics:
        admin.delete_topics([name])[name].result(timeout=30)


def topic_facts(admin: AdminClient, topic: str) -> tuple[int, str, str]:
    from confluent_kafka.admin._config import ConfigResource
    from confluent_kafka.admin._resource import ResourceType

    partitions = len(admin.list_topics(topic, timeout=10).topics[topic].partitions)
    resource = ConfigResource(ResourceType.TOPIC, topic)
    configs = admin.describe_configs([resource])[resource].result(timeout=10)
    return partitions, configs["cleanup.policy"].value, configs["retention.ms"].value


def test_apply_creates_then_is_a_noop_then_refuses_fewer_partitions_and_a_new_key(
    kafka_settings: KafkaSettings, admin: AdminClient, make_product: MakeProduct, ledger_topic: str
) -> None:
    registrar = InMemoryRegistrar()
    provisioner = Provisioner(kafka_settings.client_config(), registrar=registrar,
                              ledger_topic=ledger_topic, timeout_s=20)
    claims = make_product("domains/claims/products/claims.yaml", partitions=3)
    view = make_product("domains/care/products/member_360.yaml", partitions=2)

    first = provisioner.plan([claims, view])
    assert {a.kind for a in first.actions} == {"create_topic", "set_compatibility", "register_schema", "record_ledger"}
    provisioner.apply(first)

    assert topic_facts(admin, claims.descriptor.topic) == (3, "delete", str(2557 * 86_400_000))
    assert topic_facts(admin, view.descriptor.topic)[:2] == (2, "compact")
    assert topic_facts(admin, claims.descriptor.dlq_topic)[:2] == (3, "delete")
    assert {registrar.compatibility(s.subject) for s in claims.schemas} == {"BACKWARD_TRANSITIVE"}
    assert all(registrar.is_registered(s.subject, s.text) for s in claims.schemas + view.schemas)

    assert provisioner.plan([claims, view]).is_noop

    fewer = make_product("domains/claims/products/claims.yaml", partitions=2)
    refused = provisioner.plan([fewer])
    assert [r.problem for r in refused.refusals] == ["has 3 partitions; the descriptor asks for 2"]
    with pytest.raises(ProvisioningError, match="Kafka cannot remove partitions"):
        provisioner.apply(refused)

    rekeyed = make_product("domains/claims/products/claims.yaml", partitions=3, key="claim_id")
    with pytest.raises(ProvisioningError, match="was provisioned with key 'subscriber_id'"):
        provisioner.apply(provisioner.plan([rekeyed]))
    assert topic_facts(admin, claims.descriptor.topic)[0] == 3


def test_apply_makes_the_changes_kafka_can_make(
    kafka_settings: KafkaSettings, admin: AdminClient, make_product: MakeProduct, ledger_topic: str
) -> None:
    provisioner = Provisioner(kafka_settings.client_config(), ledger_topic=ledger_topic,
                              dlq=False, timeout_s=20)
    provisioner.apply(provisioner.plan([make_product("domains/clinical/products/visits.yaml", partitions=1)]))
    grown = make_product("domains/clinical/products/visits.yaml", partitions=2,
                         retention={"cleanup_policy": "delete", "retention": "30d"})
    second = provisioner.plan([grown])
    assert [a.kind for a in second.actions] == ["add_partitions", "alter_config", "record_ledger"]
    provisioner.apply(second)
    assert topic_facts(admin, grown.descriptor.topic) == (2, "delete", str(30 * 86_400_000))
    assert provisioner.plan([grown]).is_noop


def test_apply_registers_schemas_with_their_compatibility_level_in_a_real_registry(
    request: pytest.FixtureRequest, kafka_settings: KafkaSettings, make_product: MakeProduct, ledger_topic: str
) -> None:
    try:
        url = request.getfixturevalue("schema_registry_url")  # provided by the registry work in tests/conftest.py
    except pytest.FixtureLookupError:
        pytest.skip("no schema_registry_url fixture on this branch yet")
    with ConfluentRegistrar.for_url(str(url)) as registrar:
        provisioner = Provisioner(kafka_settings.client_config(), registrar=registrar,
                                  ledger_topic=ledger_topic, dlq=False, timeout_s=20)
        members = make_product("domains/membership/products/members.yaml", partitions=1)
        provisioner.apply(provisioner.plan([members]))
        assert {registrar.compatibility(s.subject) for s in members.schemas} == {"BACKWARD_TRANSITIVE"}
        assert all(registrar.is_registered(s.subject, s.text) for s in members.schemas)
        assert provisioner.plan([members]).is_noop
