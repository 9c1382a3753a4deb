"""Proof on the real, secured broker: descriptors decide who reads and writes, and refusals are one line.

The test acts as the platform operator (the cluster's admin) only to create its principals and apply
the ACLs its descriptors derive; every read and write below runs as a domain principal or anonymously.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import confluent_kafka
import pytest
import yaml

from mesh.clients import TopicAdmin, TopicSpec
from mesh.clients.acl import AccessAdmin
from mesh.core.errors import KafkaError
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.products.access import desired_grants, plan_access
from mesh.products.descriptor import ProductDescriptor
from mesh.sdk import Consumer
from tests.support.access import create_principal
from tests.support.brokers import Broker

ROOT = Path(__file__).resolve().parents[3]
TODAY = dt.date(2026, 12, 5)


def descriptor(path: str, token: str, **changes: Any) -> ProductDescriptor:
    data = yaml.safe_load((ROOT / path).read_text())
    product = data["id"].split(".")[1]
    data.update(id=f"{data['domain']}.{product}_sec{token}", namespace="test", consumers=[], **changes)
    return ProductDescriptor.model_validate(data)


@pytest.fixture
def world(kafka_broker: Broker) -> Iterator[dict[str, Any]]:
    if kafka_broker.admin.sasl_mechanism is None:
        pytest.skip("the cluster is not secured (no SASL admin)")
    admin = kafka_broker.admin.model_copy(update={"bootstrap_servers": kafka_broker.bootstrap})
    token = secrets.token_hex(4)
    names = {role: f"sec-{role}-{token}" for role in ("claims", "clinical", "care")}
    users = {role: create_principal(admin, name) for role, name in names.items()}
    claims = descriptor("domains/claims/products/claims.yaml", token,
                        owner={"team": "Claims", "contact": "c@x.example", "principal": names["claims"]})
    visits = descriptor("domains/clinical/products/visits.yaml", token,
                        owner={"team": "Clinical", "contact": "c@x.example", "principal": names["clinical"]})
    topics = TopicAdmin(admin.client_config())
    topics.create([TopicSpec(d.topic, 1) for d in (claims, visits)] + [TopicSpec(d.dlq_topic, 1) for d in (claims, visits)])
    yield {"admin": admin, "names": names, "users": users, "claims": claims, "visits": visits}
    access = AccessAdmin(admin.client_config())
    access.delete(a for a in access.acls() if token in a.principal)
    admin_client = topics.client
    topics.wait("delete topic", admin_client.delete_topics([n for d in (claims, visits) for n in (d.topic, d.dlq_topic)]))


def apply(world: dict[str, Any], products: list[ProductDescriptor], today: dt.date) -> None:
    access = AccessAdmin(world["admin"].client_config())
    desired = desired_grants([(p, f"{p.id}.yaml") for p in products], today=today)
    plan = plan_access(products, desired, access.acls())
    access.delete(plan.remove)
    access.create(g.acl for g in plan.add)
    again = plan_access(products, desired, access.acls())
    assert again.is_noop, again  # idempotent


def produce(kafka: KafkaSettings, topic: str) -> str | None:
    """Produce one message; the error name, or None when delivered."""
    errors: list[str] = []
    producer = confluent_kafka.Producer({**kafka.client_config(), "message.timeout.ms": 10000})
    producer.produce(topic, b"v", key=b"k", on_delivery=lambda err, _m: errors.append(err.name()) if err else None)
    producer.flush(15)
    return errors[0] if errors else None


def read_refused(kafka: KafkaSettings, topic: str, group: str) -> KafkaError:
    """The SDK consumer's error when reading is refused (it must fail, not retry forever)."""
    settings = MeshSettings(kafka=kafka)
    with pytest.raises(KafkaError) as refused, Consumer(topic, group_id=group, settings=settings,
                                                        from_beginning=True) as consumer:
        list(consumer.events(idle_timeout=20))
    return refused.value


def read(kafka: KafkaSettings, topic: str, group: str) -> int:
    """How many messages a plain consumer in `group` reads from the start of `topic`."""
    consumer = confluent_kafka.Consumer({**kafka.client_config(), "group.id": group, "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    try:
        messages = consumer.consume(num_messages=10, timeout=15)
        assert all(m.error() is None for m in messages), [m.error() for m in messages]
        return len(messages)
    finally:
        consumer.close()


def test_owners_write_only_their_topic_and_grants_decide_who_reads(world: dict[str, Any]) -> None:
    claims, visits, users, names = world["claims"], world["visits"], world["users"], world["names"]
    apply(world, [claims, visits], TODAY)
    assert produce(users["clinical"], visits.topic) is None
    assert produce(users["claims"], visits.topic) == "TOPIC_AUTHORIZATION_FAILED"
    anonymous = KafkaSettings(bootstrap_servers=world["admin"].bootstrap_servers)
    assert produce(anonymous, visits.topic) is not None

    group = f"{names['care']}.member360"
    refused = read_refused(users["care"], visits.topic, group)
    assert "AUTHORIZATION_FAILED" in refused.message and "\n" not in str(refused)

    granted = visits.model_copy(update={"consumers": ProductDescriptor.model_validate({
        **visits.model_dump(mode="json"), "consumers": [{"principal": names["care"], "team": names["care"],
                                                         "purpose": "member-360 views", "expires": "2027-01-31"}],
    }).consumers})
    apply(world, [claims, granted], TODAY)
    assert read(users["care"], visits.topic, group) >= 1

    apply(world, [claims, granted], dt.date(2027, 2, 1))  # the grant expired
    assert "AUTHORIZATION_FAILED" in read_refused(users["care"], visits.topic, f"{group}-2").message


@pytest.mark.parametrize("args", [["consume", "t.any-topic", "--max", "1"], ["products", "apply", "--dry-run"]])
def test_the_cli_without_credentials_fails_in_one_line(kafka_broker: Broker, tmp_path: Path, args: list[str]) -> None:
    if kafka_broker.admin.sasl_mechanism is None:
        pytest.skip("the cluster is not secured (no SASL admin)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESH_")}
    env.update(MESH_KAFKA__BOOTSTRAP_SERVERS=kafka_broker.bootstrap, MESH_LOCAL_BROKER__CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "mesh.cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "requires a login" in lines[0] and "MESH_KAFKA__SASL_USERNAME" in lines[0], lines
