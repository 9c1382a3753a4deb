"""The broker configuration: single-node settings, and docker-compose.yml agreeing with the local runner."""

from __future__ import annotations

from pathlib import Path

import yaml

from mesh.core.settings import KAFKA_VERSION, LocalBrokerSettings
from mesh.localbroker.config import SINGLE_NODE_PROPERTIES, render_properties, server_properties

ROOT = Path(__file__).resolve().parents[3]


def test_listeners_follow_settings(tmp_path: Path) -> None:
    props = server_properties(LocalBrokerSettings(port=19092, controller_port=19093), tmp_path)
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["log.dirs"] == str(tmp_path)
    assert "auto.create.topics.enable=false\n" in render_properties(props)


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
