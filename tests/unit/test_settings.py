"""MeshSettings: MESH_ prefix, __ nesting, clear errors for bad values."""

from __future__ import annotations

import pytest

from mesh.core.errors import ConfigurationError
from mesh.core.settings import KafkaSettings, MeshSettings


def test_nested_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_KAFKA__BOOTSTRAP_SERVERS", "10.1.2.3:9092")
    monkeypatch.setenv("MESH_LOCAL_BROKER__PORT", "19092")
    settings = MeshSettings.load()
    assert settings.kafka.bootstrap_servers == "10.1.2.3:9092"
    assert settings.local_broker.port == 19092
    assert settings.local_broker.bootstrap == "127.0.0.1:19092"


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_LOCAL_BROKER__PORT", "not-a-port")
    with pytest.raises(ConfigurationError, match="MESH_LOCAL_BROKER__PORT"):
        MeshSettings.load()


def test_client_config_without_servers_says_how_to_fix() -> None:
    with pytest.raises(ConfigurationError, match="mesh kafka start"):
        KafkaSettings().client_config()


def test_client_config_hides_nothing_it_needs() -> None:
    conf = KafkaSettings(
        bootstrap_servers="h:1", security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
        sasl_username="u", sasl_password="p",  # type: ignore[arg-type]
    ).client_config()
    assert conf["bootstrap.servers"] == "h:1"
    assert conf["sasl.password"] == "p"
    assert conf["security.protocol"] == "SASL_PLAINTEXT"
