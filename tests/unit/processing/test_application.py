"""The Quix Streams app factory: exactly-once by default, MeshSettings' connection (security included),
names with the app id as prefix, no network on build; dead letters go through the app's producer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from quixstreams.context import set_message_context
from quixstreams.models import MessageContext

from mesh.core.errors import ConfigurationError, FramingError
from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.processing.application import (
    DeadLetters,
    connection_config,
    make_application,
    read_in_arrival_order,
)
from mesh.processing.serdes import Incoming
from mesh.sdk.dlq import ERROR_CLASS_HEADER, OFFSET_HEADER, PARTITION_HEADER, TOPIC_HEADER

SETTINGS = MeshSettings(kafka=KafkaSettings(bootstrap_servers="a:1"))


def test_the_app_runs_exactly_once_in_its_own_group_by_default(tmp_path: Path) -> None:
    app = make_application("t-app", settings=SETTINGS, state_dir=tmp_path)
    assert app.config.processing_guarantee == "exactly-once"
    assert app.config.consumer_group == "t-app"
    assert app.config.auto_offset_reset == "earliest"
    assert str(app.config.producer_extra_config["transactional.id"]).startswith("t-app-")
    # the SDK producer's partitioner (librdkafka's default), not Quix Streams' murmur2: co-partitioning
    assert app.config.producer_extra_config["partitioner"] == "consistent_random"


def test_a_worker_keeps_its_identity_across_restarts_and_workers_differ(tmp_path: Path) -> None:
    # the same transactional id after a restart fences the crashed predecessor and aborts its open
    # transaction at once; the same group.instance.id takes its partitions back without a rebalance
    def ids(state_dir: Path) -> tuple[str, str]:
        config = make_application("t-app", settings=SETTINGS, state_dir=state_dir).config
        return (str(config.producer_extra_config["transactional.id"]),
                str(config.consumer_extra_config["group.instance.id"]))

    assert ids(tmp_path / "w1") == ids(tmp_path / "w1")
    assert ids(tmp_path / "w1")[0] != ids(tmp_path / "w2")[0]
    assert ids(tmp_path / "w1")[1] != ids(tmp_path / "w2")[1]


def test_session_and_transaction_timeouts_are_kafkas_defaults_unless_configured(tmp_path: Path) -> None:
    config = make_application("t-app", settings=SETTINGS, state_dir=tmp_path).config
    assert config.consumer_extra_config["session.timeout.ms"] == 45_000
    assert config.producer_extra_config["transaction.timeout.ms"] == 60_000
    config = make_application("t-app", settings=SETTINGS, state_dir=tmp_path, session_timeout_s=10,
                              transaction_timeout_s=15).config
    assert config.consumer_extra_config["session.timeout.ms"] == 10_000
    assert config.producer_extra_config["transaction.timeout.ms"] == 15_000


def test_the_producer_closes_idle_connections_so_a_stuck_offsets_commit_looks_again(tmp_path: Path) -> None:
    # librdkafka re-examines a coordinator request stuck on a decommissioned broker only when some
    # connection changes state: an idle close is one (mesh.processing.application docstring)
    config = make_application("t-app", settings=SETTINGS, state_dir=tmp_path).config
    assert config.producer_extra_config["connections.max.idle.ms"] == 30_000
    config = make_application("t-app", settings=SETTINGS, state_dir=tmp_path,
                              producer_extra={"connections.max.idle.ms": 5_000}).config
    assert config.producer_extra_config["connections.max.idle.ms"] == 5_000


def test_the_consumer_long_polls_briefly_so_offset_queries_at_assignment_do_not_queue_behind_it(
    tmp_path: Path,
) -> None:
    # Quix Streams queries each changelog partition's offsets when partitions are assigned, and each query
    # waited behind a fetch long-poll of librdkafka's default 500 ms: 24 queries, ~12 s idle at every start
    config = make_application("t-app", settings=SETTINGS, state_dir=tmp_path).config
    assert config.consumer_extra_config["fetch.wait.max.ms"] == 100
    config = make_application("t-app", settings=SETTINGS, state_dir=tmp_path,
                              consumer_extra={"fetch.wait.max.ms": 500}).config
    assert config.consumer_extra_config["fetch.wait.max.ms"] == 500


def test_at_least_once_has_no_transactional_id(tmp_path: Path) -> None:
    app = make_application("t-app", settings=SETTINGS, state_dir=tmp_path, processing_guarantee="at-least-once")
    assert "transactional.id" not in app.config.producer_extra_config


def test_security_settings_reach_the_connection() -> None:
    settings = MeshSettings(kafka=KafkaSettings(bootstrap_servers="a:1", security_protocol="SASL_SSL",
                                                sasl_mechanism="SCRAM-SHA-512", sasl_username="u",
                                                sasl_password=SecretStr("p")))
    conf = connection_config(settings).as_librdkafka_dict()
    assert (conf["bootstrap.servers"], conf["security.protocol"], conf["sasl.mechanism"]) == (
        "a:1", "sasl_ssl", "SCRAM-SHA-512")
    assert (conf["sasl.username"], conf["sasl.password"]) == ("u", "p")


@pytest.mark.parametrize("app_id", ["", "two words"])
def test_a_bad_app_id_is_refused(tmp_path: Path, app_id: str) -> None:
    with pytest.raises(ConfigurationError, match="app id"):
        make_application(app_id, settings=SETTINGS, state_dir=tmp_path)


def test_missing_bootstrap_servers_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="MESH_KAFKA__BOOTSTRAP_SERVERS"):
        make_application("t", settings=MeshSettings(kafka=KafkaSettings(bootstrap_servers=None)), state_dir=tmp_path)


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def produce(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def test_the_app_has_the_producer_dead_letters_use(tmp_path: Path) -> None:
    # DeadLetters relies on this private attribute of quixstreams 3.28: fail here first if it moves
    app = make_application("t-app", settings=SETTINGS, state_dir=tmp_path)
    assert callable(app._producer.produce)


def test_poison_is_dead_lettered_to_its_topics_dlq_and_events_pass(tmp_path: Path) -> None:
    app = make_application("t-app", settings=SETTINGS, state_dir=tmp_path)
    fake = FakeProducer()
    app._producer = fake
    dead = DeadLetters(app)
    set_message_context(MessageContext(topic="prod.x.y.v1", partition=2, offset=41, size=10))
    assert dead.keep(Incoming(b"ok", (), event=object()), b"k", 0, None) is True  # type: ignore[arg-type]
    poison = Incoming(b"\x05bad", [("ce_id", b"1")], error=FramingError("bad magic byte 5"))
    assert dead.keep(poison, b"k", 0, None) is False
    assert dead.keep(None, b"t", 0, [("h", b"1")]) is False  # a tombstone
    first, tombstone = fake.sent
    assert (first["topic"], first["value"], first["key"], first["partition"]) == ("prod.x.y.v1.dlq", b"\x05bad", b"k", 2)
    headers = dict(first["headers"])
    assert headers["ce_id"] == b"1"
    assert (headers[ERROR_CLASS_HEADER], headers[TOPIC_HEADER], headers[PARTITION_HEADER], headers[OFFSET_HEADER]) == (
        b"FramingError", b"prod.x.y.v1", b"2", b"41")
    assert (tombstone["value"], dict(tombstone["headers"])[ERROR_CLASS_HEADER]) == (None, b"EventFormatError")
    assert dead.sent == 2


def test_concatenated_topics_can_be_read_in_arrival_order(tmp_path: Path) -> None:
    # read_in_arrival_order relies on this private attribute of quixstreams 3.28: fail here first if it moves
    app = make_application("t-app", settings=SETTINGS, state_dir=tmp_path)
    app._dataframe_registry.require_time_alignment()  # what concat() and joins call
    assert app._dataframe_registry.requires_time_alignment is True
    read_in_arrival_order(app)
    assert app._dataframe_registry.requires_time_alignment is False
