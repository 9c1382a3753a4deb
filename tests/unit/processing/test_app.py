"""The faust app factory: broker URLs from MeshSettings, at-least-once settings, no network on build."""

from __future__ import annotations

from pathlib import Path

import pytest

from mesh.core.errors import ConfigurationError
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.processing.app import broker_url, make_app

BROKER_URLS = [
    ("127.0.0.1:9092", "kafka://127.0.0.1:9092"),
    ("a:1, b:2", "kafka://a:1;kafka://b:2"),
]


@pytest.mark.parametrize(("servers", "expected"), BROKER_URLS)
def test_bootstrap_servers_become_faust_broker_urls(servers: str, expected: str) -> None:
    assert broker_url(MeshSettings(kafka=KafkaSettings(bootstrap_servers=servers))) == expected


def test_missing_bootstrap_servers_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="MESH_KAFKA__BOOTSTRAP_SERVERS"):
        broker_url(MeshSettings(kafka=KafkaSettings(bootstrap_servers=None)))


def test_non_plaintext_brokers_are_refused_with_a_reason() -> None:
    settings = MeshSettings(kafka=KafkaSettings(bootstrap_servers="a:1", security_protocol="SSL"))
    with pytest.raises(ConfigurationError, match="PLAINTEXT"):
        broker_url(settings)


def test_the_app_runs_at_least_once_with_declared_topics(tmp_path: Path) -> None:
    app = make_app("t-app", settings=MeshSettings(kafka=KafkaSettings(bootstrap_servers="a:1")), datadir=tmp_path)
    assert app.conf.processing_guarantee.value == "at_least_once"
    assert app.conf.topic_allow_declare is True
    assert app.conf.consumer_auto_offset_reset == "earliest"
    assert app.conf.producer_linger == pytest.approx(0.0)
