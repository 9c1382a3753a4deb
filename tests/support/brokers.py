"""Find or start a real Kafka broker for the test session (see `kafka_bootstrap` in tests/conftest.py)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from mesh.core.settings import KafkaSettings, MeshSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Broker:
    """A reachable cluster: its bootstrap servers and the settings of a principal that may manage access.

    `admin` is used once, to create the test principal (see tests/support/access.py); tests never run as it.
    """

    bootstrap: str
    admin: KafkaSettings


class BrokerUnavailable(Exception):
    """No broker could be had; the message says which ways were tried and why each failed."""


def _docker_reachable() -> bool:
    """True when a Docker engine answers a ping (DOCKER_HOST, or the default unix socket)."""
    if not os.environ.get("DOCKER_HOST") and not os.path.exists("/var/run/docker.sock"):
        return False
    try:
        import docker  # type: ignore[import-untyped]

        client = docker.from_env(timeout=3)
    except Exception:  # noqa: BLE001 - any failure means "no usable engine"
        return False
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001
        return False
    finally:
        client.close()


@contextlib.contextmanager
def _testcontainers_kafka() -> Iterator[str]:
    from testcontainers.kafka import KafkaContainer

    from mesh.core.settings import KAFKA_VERSION

    with KafkaContainer(f"apache/kafka:{KAFKA_VERSION}").with_kraft() as container:
        yield container.get_bootstrap_server()


@contextlib.contextmanager
def _local_broker() -> Iterator[Broker]:
    from mesh.localbroker.runner import LocalBroker

    broker = LocalBroker(MeshSettings.load().local_broker)
    started = broker.ensure_running()
    try:
        yield Broker(broker.settings.bootstrap, broker.client_settings())
    finally:
        if started:
            broker.stop()


@contextlib.contextmanager
def acquire_broker() -> Iterator[Broker]:
    """Yield a broker: the environment's cluster (MESH_KAFKA__* name it and its managing principal), else
    testcontainers (unsecured), else the local broker (secured; its admin's credentials from its state dir)."""
    from mesh.core.errors import MeshError

    existing = os.environ.get("MESH_KAFKA__BOOTSTRAP_SERVERS")
    if existing:
        yield Broker(existing, MeshSettings.load().kafka)
        return
    if _docker_reachable():
        with _testcontainers_kafka() as bootstrap:
            yield Broker(bootstrap, KafkaSettings(bootstrap_servers=bootstrap))
        return
    try:
        cm = _local_broker()
        bootstrap = cm.__enter__()
    except MeshError as exc:
        raise BrokerUnavailable(f"no MESH_KAFKA__BOOTSTRAP_SERVERS, no Docker engine, local broker failed: {exc}") from exc
    try:
        yield bootstrap
    finally:
        cm.__exit__(None, None, None)
