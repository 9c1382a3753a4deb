"""TLS (SASL_SSL) on a broker of its own, with a CA generated for the test.

One local broker with a TLS listener (its own ports and state; the session broker is untouched). A
principal that trusts the test CA produces and consumes through the SDK over SASL_SSL; a client that
trusts another CA is stopped at once with one line naming TLS and the CA setting: the SDK's producer
and consumer, and the CLI. `mesh kafka status` names the TLS listener.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesh.clients import TopicAdmin, TopicSpec
from mesh.core.errors import KafkaError
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.localbroker.runner import LocalBroker
from mesh.sdk.consumer import Consumer
from mesh.sdk.producer import Producer
from tests.support import access
from tests.support.tls import GeneratedCa, make_ca

SCHEMA = {"type": "record", "name": "Ping", "namespace": "mesh.test", "fields": [{"name": "n", "type": "int"}]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cas(tmp_path_factory: pytest.TempPathFactory) -> tuple[GeneratedCa, GeneratedCa]:
    """The CA that signed the broker's certificate, and another one."""
    folder = tmp_path_factory.mktemp("tls")
    return make_ca(folder, "mesh-test-ca"), make_ca(folder, "other-ca")


@pytest.fixture(scope="module")
def tls_broker(cas: tuple[GeneratedCa, GeneratedCa], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    ca, _ = cas
    settings = MeshSettings.load().local_broker.model_copy(update={
        "port": _free_port(), "controller_port": _free_port(), "tls_port": _free_port(), "heap": "256m",
        "state_dir": tmp_path_factory.mktemp("tls-broker"),
        "tls_certificate_location": ca.server_certificate, "tls_key_location": ca.server_key,
    })
    broker = LocalBroker(settings)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop(timeout=10)


@pytest.fixture(scope="module")
def over_tls(tls_broker: LocalBroker, cas: tuple[GeneratedCa, GeneratedCa]) -> KafkaSettings:
    """A non-admin principal (grants on the tests' names) on the SASL_SSL listener, trusting the test CA."""
    name = "tls-tester"
    principal = access.create_principal(tls_broker.client_settings(), name, access.test_principal_acls(name))
    return principal.model_copy(update={"bootstrap_servers": tls_broker.settings.tls_bootstrap,
                                        "security_protocol": "SASL_SSL", "ssl_ca_location": cas[0].ca_certificate})


def test_status_names_the_tls_listener(tls_broker: LocalBroker) -> None:
    settings = tls_broker.settings
    env = {**os.environ, "MESH_LOCAL_BROKER__PORT": str(settings.port),
           "MESH_LOCAL_BROKER__CONTROLLER_PORT": str(settings.controller_port),
           "MESH_LOCAL_BROKER__STATE_DIR": str(settings.state_dir), "MESH_LOCAL_BROKER__TLS_PORT": str(settings.tls_port),
           "MESH_LOCAL_BROKER__TLS_CERTIFICATE_LOCATION": str(settings.tls_certificate_location),
           "MESH_LOCAL_BROKER__TLS_KEY_LOCATION": str(settings.tls_key_location)}
    status = subprocess.run([sys.executable, "-m", "mesh.cli.main", "kafka", "status", "--format", "json"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert status.returncode == 0, status.stderr
    found = json.loads(status.stdout)
    assert found["running"] and found["tls_bootstrap"] == f"127.0.0.1:{settings.tls_port}"
    assert (settings.state_dir / "server.properties").stat().st_mode & 0o777 == 0o600  # it holds the TLS key


def test_the_sdk_produces_and_consumes_over_sasl_ssl(over_tls: KafkaSettings, mesh_settings: MeshSettings,
                                                     topic_name: str, group_id: str) -> None:
    settings = mesh_settings.model_copy(update={"kafka": over_tls})
    assert settings.kafka.client_config()["security.protocol"] == "SASL_SSL"
    TopicAdmin(settings).create([TopicSpec(topic_name)])
    with Producer(topic_name, SCHEMA, source="/tests/tls", settings=settings, auto_register=True) as producer:
        sent = producer.publish("com.healthco.test.Ping.v1", {"n": 7}, key="k1")
        assert producer.flush(30) == 1
    consumer = Consumer(topic_name, group_id=group_id, settings=settings, from_beginning=True)
    try:
        events = list(consumer.events(max_events=1, idle_timeout=30))
    finally:
        consumer.close()
    assert [(e.id, e.data, e.source) for e in events] == [(sent, {"n": 7}, "/tests/tls")]


def test_a_client_trusting_another_ca_gets_one_line_naming_tls(
    over_tls: KafkaSettings, mesh_settings: MeshSettings, cas: tuple[GeneratedCa, GeneratedCa], topic_name: str, group_id: str,
) -> None:
    distrustful = over_tls.model_copy(update={"ssl_ca_location": cas[1].ca_certificate, "log_level": 0})
    settings = mesh_settings.model_copy(update={"kafka": distrustful})
    producer = Producer(topic_name, SCHEMA, source="/tests/tls", settings=settings, auto_register=True)
    try:
        producer.publish("com.healthco.test.Ping.v1", {"n": 1})
        with pytest.raises(KafkaError) as produced:
            producer.flush(60)  # stops at the refusal, long before this timeout
    finally:  # close() flushes into the same refusal, and releases the registry client's socket all the same
        with contextlib.suppress(KafkaError):
            producer.close(timeout=1)
    consumer = Consumer(topic_name, group_id=group_id, settings=settings)
    with pytest.raises(KafkaError) as consumed:
        list(consumer.events(idle_timeout=60))
    consumer.close()
    for error in (produced.value, consumed.value):
        text = str(error)
        assert "_SSL" in text and "certificate verify failed" in text, text
        assert "MESH_KAFKA__SSL_CA_LOCATION" in text and "\n" not in text, text

    env = {**os.environ, "MESH_KAFKA__BOOTSTRAP_SERVERS": str(distrustful.bootstrap_servers),
           "MESH_KAFKA__SECURITY_PROTOCOL": "SASL_SSL", "MESH_KAFKA__SASL_MECHANISM": "SCRAM-SHA-512",
           "MESH_KAFKA__SASL_USERNAME": str(distrustful.sasl_username),
           "MESH_KAFKA__SASL_PASSWORD": distrustful.sasl_password.get_secret_value() if distrustful.sasl_password else "",
           "MESH_KAFKA__SSL_CA_LOCATION": str(cas[1].ca_certificate), "MESH_REGISTRY__URL": mesh_settings.registry.url}
    cli = subprocess.run([sys.executable, "-m", "mesh.cli.main", "consume", topic_name, "--idle-timeout", "5"],
                         capture_output=True, text=True, env=env, timeout=120, check=False, cwd=Path.cwd())
    assert cli.returncode == 2, cli.stderr
    lines = [line for line in cli.stderr.splitlines() if line.strip()]
    assert "Traceback" not in cli.stderr and len(lines) <= 2, cli.stderr  # the error and its hint
    assert "TLS handshake" in lines[0] and "certificate verify failed" in lines[0], cli.stderr
    assert "MESH_KAFKA__SSL_CA_LOCATION" in cli.stderr
