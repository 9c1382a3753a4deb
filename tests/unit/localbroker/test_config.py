"""The broker configuration: single-node settings, and docker-compose.yml agreeing with the local runner."""

from __future__ import annotations

from pathlib import Path

import yaml

from mesh.core.settings import KAFKA_VERSION, KafkaSettings, LocalBrokerSettings, MeshSettings
from mesh.localbroker.config import (
    SINGLE_NODE_PROPERTIES,
    render_properties,
    scram_bootstrap,
    server_properties,
)
from mesh.localbroker.credentials import credentials_path, ensure_admin, local_settings

ROOT = Path(__file__).resolve().parents[3]


def test_listeners_follow_settings(tmp_path: Path) -> None:
    props = server_properties(LocalBrokerSettings(port=19092, controller_port=19093), tmp_path, admin_password="pw")
    assert props["listeners"] == "CLIENT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "CLIENT://127.0.0.1:19092"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["log.dirs"] == str(tmp_path)
    assert "auto.create.topics.enable=false\n" in render_properties(props)


def test_the_broker_is_secured_without_an_anonymous_super_user(tmp_path: Path) -> None:
    props = server_properties(LocalBrokerSettings(), tmp_path, admin_password="s3cret")
    protocols = dict(pair.split(":") for pair in props["listener.security.protocol.map"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}  # no PLAINTEXT listener at all
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["super.users"] == "User:admin"
    assert "ANONYMOUS" not in render_properties(props)
    assert 'user_admin="s3cret"' in props["listener.name.controller.plain.sasl.jaas.config"]
    assert scram_bootstrap("s3cret") == "SCRAM-SHA-512=[name=admin,password=s3cret]"


def test_admin_credentials_are_generated_once_and_private(tmp_path: Path) -> None:
    settings = LocalBrokerSettings(state_dir=tmp_path / "broker")
    first, created = ensure_admin(settings)
    again, created_again = ensure_admin(settings)
    assert created and not created_again and first == again and len(first.password) >= 24
    assert credentials_path(settings).stat().st_mode & 0o777 == 0o600
    assert "***" in repr(first) and first.password not in repr(first)


def test_mesh_commands_on_this_machine_use_the_local_admin(tmp_path: Path) -> None:
    broker = LocalBrokerSettings(state_dir=tmp_path / "broker", port=19999)
    assert local_settings(MeshSettings(local_broker=broker)).kafka.bootstrap_servers is None  # not started yet
    admin, _ = ensure_admin(broker)
    local = local_settings(MeshSettings(local_broker=broker))
    assert local.kafka.client_config()["sasl.username"] == "admin"
    assert local.kafka.client_config()["sasl.password"] == admin.password
    assert local.kafka.bootstrap_servers == "127.0.0.1:19999"
    assert local.registry.username == "admin"
    explicit = MeshSettings(local_broker=broker, kafka=KafkaSettings(bootstrap_servers="other:1"))
    assert local_settings(explicit) == explicit


def test_single_node_settings_make_transactions_and_groups_work() -> None:
    for key in ("offsets.topic.replication.factor", "transaction.state.log.replication.factor",
                "transaction.state.log.min.isr", "min.insync.replicas", "default.replication.factor"):
        assert SINGLE_NODE_PROPERTIES[key] == "1", key
    assert SINGLE_NODE_PROPERTIES["group.initial.rebalance.delay.ms"] == "0"


def test_docker_compose_kafka_matches_the_local_runner() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    kafka = compose["services"]["kafka"]
    assert kafka["image"] == f"apache/kafka:{KAFKA_VERSION}"
    defaults = LocalBrokerSettings()
    assert f"{defaults.port}:{defaults.port}" in kafka["ports"]
    env = kafka["environment"]
    for key, value in SINGLE_NODE_PROPERTIES.items():
        if key in ("listener.security.protocol.map",):
            continue  # compose adds a listener for containers on the compose network
        env_key = "KAFKA_" + key.upper().replace(".", "_")
        assert str(env.get(env_key)) == value, f"{env_key} in docker-compose.yml should be {value!r}"


def test_docker_compose_services_point_at_the_compose_network_and_real_commands() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "MESH_KAFKA__BOOTSTRAP_SERVERS=kafka:29092" in dockerfile
    assert "INTERNAL://kafka:29092" in services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert services["registry"]["command"][:3] == ["mesh", "registry", "serve"]
    assert services["member360"]["command"][:3] == ["python", "-m", "domains.care.member360.app"]
    assert (ROOT / "domains" / "care" / "member360" / "app.py").exists()
    for domain in ("membership", "claims", "clinical"):
        command = services[domain]["command"]
        assert command[:3] == ["python", "-m", f"domains.{domain}"]
        assert (ROOT / "domains" / domain / "__main__.py").exists()
