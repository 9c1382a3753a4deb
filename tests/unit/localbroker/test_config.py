"""The broker configuration: single-node settings, and docker-compose.yml agreeing with the local runner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from mesh.core.errors import LocalBrokerError
from mesh.core.settings import KAFKA_VERSION, KafkaSettings, LocalBrokerSettings, MeshSettings
from mesh.localbroker.config import (
    SINGLE_NODE_PROPERTIES,
    TlsMaterial,
    render_properties,
    scram_bootstrap,
    server_properties,
)
from mesh.localbroker.credentials import credentials_path, ensure_admin, local_settings
from mesh.localbroker.runner import LocalBroker

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
    assert kafka["ports"] == [f"{defaults.host}:{defaults.port}:{defaults.port}"]  # loopback, like the runner
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


def test_a_tls_listener_adds_sasl_ssl_with_the_pem_inline(tmp_path: Path) -> None:
    settings = LocalBrokerSettings(port=19092, controller_port=19093, tls_port=19094,
                                   tls_certificate_location=tmp_path / "c.pem", tls_key_location=tmp_path / "k.pem")
    tls = TlsMaterial(certificate_chain="-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
                      key="-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n")
    props = server_properties(settings, tmp_path, admin_password="pw", tls=tls)
    assert props["listeners"].endswith(",TLS://127.0.0.1:19094")
    assert props["advertised.listeners"] == "CLIENT://127.0.0.1:19092,TLS://127.0.0.1:19094"
    assert props["listener.security.protocol.map"].split(",")[-1] == "TLS:SASL_SSL"
    assert props["inter.broker.listener.name"] == "CLIENT"  # loopback stays SASL_PLAINTEXT
    assert props["listener.name.tls.ssl.keystore.type"] == "PEM"
    assert "ssl.key.password" not in " ".join(props)  # an unencrypted PKCS#8 key needs none inline
    text = render_properties(props)
    # one property a line: PEM newlines are escaped, so Java's Properties reads them back as newlines
    assert "listener.name.tls.ssl.keystore.key=-----BEGIN PRIVATE KEY-----\\nBBB\\n-----END PRIVATE KEY-----\n" in text
    assert "BBB" not in repr(tls)
    with_password = server_properties(settings, tmp_path, admin_password="pw",
                                      tls=TlsMaterial(tls.certificate_chain, tls.key, key_password="kp"))
    assert with_password["listener.name.tls.ssl.key.password"] == "kp"


def test_tls_settings_must_be_complete() -> None:
    with pytest.raises(ValidationError, match="TLS_CERTIFICATE_LOCATION"):
        LocalBrokerSettings(tls_port=19094)
    with pytest.raises(ValidationError, match="already the client or controller port"):
        LocalBrokerSettings(tls_port=9092, tls_certificate_location=Path("c"), tls_key_location=Path("k"))
    assert LocalBrokerSettings().tls_bootstrap is None
    assert LocalBrokerSettings(tls_port=9094, tls_certificate_location=Path("c"),
                               tls_key_location=Path("k")).tls_bootstrap == "127.0.0.1:9094"


@pytest.mark.parametrize(("content", "problem"), [
    (None, "Cannot read the TLS listener's certificate chain"),
    ("not pem", "is not a PEM certificate"),
])
def test_unreadable_tls_files_are_named(tmp_path: Path, content: str | None, problem: str) -> None:
    cert = tmp_path / "cert.pem"
    if content is not None:
        cert.write_text(content)
    settings = LocalBrokerSettings(state_dir=tmp_path / "s", tls_port=19094, tls_certificate_location=cert,
                                   tls_key_location=tmp_path / "key.pem")
    with pytest.raises(LocalBrokerError, match=problem) as caught:
        LocalBroker(settings)._tls_material()
    assert "MESH_LOCAL_BROKER__TLS_CERTIFICATE_LOCATION" in str(caught.value)


def test_an_rsa_key_is_refused_with_the_conversion_command(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n")
    (tmp_path / "key.pem").write_text("-----BEGIN RSA PRIVATE KEY-----\nBBB\n-----END RSA PRIVATE KEY-----\n")
    settings = LocalBrokerSettings(tls_port=19094, tls_certificate_location=tmp_path / "cert.pem",
                                   tls_key_location=tmp_path / "key.pem")
    with pytest.raises(LocalBrokerError, match="openssl pkcs8 -topk8"):
        LocalBroker(settings)._tls_material()


def test_docker_compose_publishes_on_loopback_and_every_listener_needs_a_login() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every host interface"
    env = compose["services"]["kafka"]["environment"]
    protocols = dict(pair.split(":") for pair in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}
    listeners = {item.split("://")[0] for item in env["KAFKA_LISTENERS"].split(",")}
    assert listeners == set(protocols)  # no listener falls back to PLAINTEXT
    assert env["KAFKA_SUPER_USERS"] == "User:admin"
    assert "ANONYMOUS" not in yaml.safe_dump(compose)
