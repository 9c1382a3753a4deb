"""mesh.clients: settings flow into every client; registry and Kafka errors are mapped one way."""

from __future__ import annotations

from pathlib import Path

import confluent_kafka
import pytest
from confluent_kafka.schema_registry.error import SchemaRegistryError
from pydantic import SecretStr

from mesh.clients import (
    ErrorCode,
    RegistryUnavailableError,
    call_registry,
    connection_refused,
    kafka_config,
    kafka_error,
    registry_client,
    watched,
)
from mesh.clients.registry import client_url, public_url
from mesh.core.errors import KafkaError as MeshKafkaError
from mesh.core.errors import RegistryError
from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings


def _settings() -> MeshSettings:
    return MeshSettings(
        kafka=KafkaSettings(bootstrap_servers="h:1", security_protocol="SASL_PLAINTEXT",
                            sasl_mechanism="SCRAM-SHA-512", sasl_username="claims",
                            sasl_password=SecretStr("s3cret")),
        registry=RegistrySettings(url="http://r:1", username="claims", password=SecretStr("pw")),
    )


def test_kafka_config_carries_the_security_settings_and_the_overrides() -> None:
    conf = kafka_config(_settings(), {"acks": "all"})
    assert conf["sasl.username"] == "claims" and conf["sasl.password"] == "s3cret"
    assert conf["security.protocol"] == "SASL_PLAINTEXT"
    assert conf["acks"] == "all"


def test_registry_client_passes_basic_auth_user_info() -> None:
    client = registry_client(_settings())
    conf = client._conf  # confluent-kafka keeps the configuration here only
    assert conf["basic.auth.user.info"] == "claims:pw"
    assert "basic.auth.user.info" not in registry_client("http://r:1")._conf


@pytest.mark.parametrize(
    ("status", "code", "hint_words"),
    [
        (401, 401, "MESH_REGISTRY__USERNAME"),
        (403, 40301, "only a product's owner"),
        (409, 409, "mesh schemas check"),
        (500, 50001, "MESH_REGISTRY__URL"),
    ],
)
def test_registry_answers_become_registry_errors_with_status_code_and_hint(status: int, code: int,
                                                                           hint_words: str) -> None:
    def refuse() -> None:
        raise SchemaRegistryError(status, code, "refused here")

    with pytest.raises(RegistryError) as info:
        call_registry("register a schema", refuse, url="http://r:1")
    assert (info.value.http_status, info.value.error_code) == (status, code)
    assert info.value.server_message == "refused here"
    assert "http://r:1" in info.value.message and hint_words in str(info.value)


def test_a_transport_failure_is_registry_unavailable_naming_the_url() -> None:
    def fail() -> None:
        raise OSError("connection refused")

    with pytest.raises(RegistryUnavailableError, match=r"Cannot reach the schema registry at http://r:1 .*refused"):
        call_registry("read", fail, url="http://r:1")


def test_error_codes_know_their_http_status() -> None:
    assert ErrorCode.SUBJECT_NOT_FOUND.http_status == 404
    assert ErrorCode.INCOMPATIBLE_SCHEMA.http_status == 409
    assert ErrorCode.FORBIDDEN.http_status == 403


@pytest.mark.parametrize(
    ("code", "hint_words"),
    [
        (confluent_kafka.KafkaError.TOPIC_AUTHORIZATION_FAILED, "no grant on the topic"),
        (confluent_kafka.KafkaError.GROUP_AUTHORIZATION_FAILED, "prefixed with your team's name"),
        (confluent_kafka.KafkaError.SASL_AUTHENTICATION_FAILED, "MESH_KAFKA__SASL_PASSWORD"),
    ],
)
def test_kafka_errors_get_a_hint_chosen_by_their_code(code: int, hint_words: str) -> None:
    error = kafka_error("create topic 't.x'", confluent_kafka.KafkaException(confluent_kafka.KafkaError(code)))
    assert error.message.startswith("Cannot create topic 't.x'")
    assert hint_words in str(error)


def test_tls_settings_reach_librdkafka_only_for_tls_protocols(tmp_path: Path) -> None:
    tls = KafkaSettings(bootstrap_servers="h:1", security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                        sasl_username="u", sasl_password=SecretStr("p"), ssl_ca_location=tmp_path / "ca.pem",
                        ssl_certificate_location=tmp_path / "c.pem", ssl_key_location=tmp_path / "k.pem",
                        ssl_key_password=SecretStr("kp"))
    conf = tls.client_config()
    assert conf["ssl.ca.location"] == str(tmp_path / "ca.pem") and conf["ssl.key.password"] == "kp"
    assert conf["ssl.certificate.location"] == str(tmp_path / "c.pem")
    plain = tls.model_copy(update={"security_protocol": "SASL_PLAINTEXT"}).client_config()
    assert not any(key.startswith("ssl.") for key in plain)
    env = MeshSettings(kafka=tls).client_env()
    assert env["MESH_KAFKA__SSL_CA_LOCATION"] == str(tmp_path / "ca.pem") and env["MESH_KAFKA__SSL_KEY_PASSWORD"] == "kp"


def test_credentials_in_the_url_never_reach_messages_and_explicit_ones_win() -> None:
    url = "http://claims:s3cret@r:1"
    assert public_url(url) == "http://r:1" and public_url("http://r:1/") == "http://r:1/"

    def refuse() -> None:
        raise SchemaRegistryError(403, 40301, "no")

    with pytest.raises(RegistryError) as info:
        call_registry("register a schema", refuse, url=url)
    assert "s3cret" not in str(info.value) and "http://r:1" in str(info.value)
    assert client_url(registry_client(url)) == "http://r:1"
    explicit = registry_client(RegistrySettings(url=url, username="care", password=SecretStr("pw")))
    assert explicit._conf["basic.auth.user.info"] == "care:pw" and explicit._conf["url"] == "http://r:1"


_VERIFY = ("sasl_ssl://127.0.0.1:9094/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate "
           "verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly "
           "configured or root CA certificates are installed (after 5ms in state SSL_HANDSHAKE)")


@pytest.mark.parametrize(("code", "text", "refused_as"), [
    (confluent_kafka.KafkaError._SSL, _VERIFY, "_SSL"),
    (confluent_kafka.KafkaError._TRANSPORT, "error:0A000086:SSL routines::certificate verify failed", "_SSL"),
    (confluent_kafka.KafkaError.SASL_AUTHENTICATION_FAILED, "Authentication failed", "SASL_AUTHENTICATION_FAILED"),
    (confluent_kafka.KafkaError._TRANSPORT, "Connection refused", None),  # a broker restarting: retry
    (confluent_kafka.KafkaError._ALL_BROKERS_DOWN, "1/1 brokers are down", None),
])
def test_refusals_are_tls_and_login_failures_only(code: int, text: str, refused_as: str | None) -> None:
    refused = connection_refused(confluent_kafka.KafkaError(code, text))
    assert (refused.name() if refused is not None else None) == refused_as
    if refused_as == "_SSL":  # one line with the reason, without the address and librdkafka's generic advice
        assert refused is not None and "certificate verify failed" in refused.str()
        assert not refused.str().startswith("sasl_ssl://") and "verify that" not in refused.str()


def test_a_refusal_watch_chains_the_users_callback_and_raises_one_line() -> None:
    seen: list[int] = []
    config: dict[str, object] = {"error_cb": lambda e: seen.append(e.code())}
    watch = watched(config)
    assert config["error_cb"] is watch
    watch.raise_if_refused("deliver to t")  # nothing refused yet
    watch(confluent_kafka.KafkaError(confluent_kafka.KafkaError._ALL_BROKERS_DOWN, "down"))
    watch(confluent_kafka.KafkaError(confluent_kafka.KafkaError._SSL, _VERIFY))
    assert len(seen) == 2
    with pytest.raises(MeshKafkaError) as caught:
        watch.raise_if_refused("deliver 1 event(s) to t")
    text = str(caught.value)
    assert text.startswith("Cannot deliver 1 event(s) to t: _SSL: ") and "\n" not in text
    assert "MESH_KAFKA__SSL_CA_LOCATION" in text
