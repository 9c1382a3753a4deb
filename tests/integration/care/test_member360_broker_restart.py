"""The broker goes away mid-run and comes back: the member-360 worker carries on by itself.

A broker of this test's own (the local broker runner, secured like the session's, its own free ports
and state directory) so the session's broker is not disturbed. The feed comes in thirds: the first
before the worker starts; the second once it has published views, with the broker stopped right after
(so the worker is in the middle of it); the broker stays down for several seconds, comes back on the
same port with the same data, and the last third arrives. The same worker process (never restarted)
finishes: every view equals the ground truth and a read-committed reader sees no view record twice.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from domains.care.member360.runner import ProcessorProcess
from domains.feed import Feed, generate
from domains.wiring import publish_records
from mesh.core.settings import MeshSettings, RegistrySettings
from mesh.localbroker.runner import LocalBroker
from mesh.products.loader import Product
from tests.integration.care.conftest import Mesh360, free_port, log_tail, provisioned
from tests.integration.care.test_member360_processor import assert_exact, close, view_records
from tests.support import access

MEMBERS = 300
DOWN_S = 6.0  # librdkafka's reconnect backoff tops out at 10 s: a few seconds is a real outage


@pytest.fixture
def own_broker(kafka_bootstrap: str, tmp_path: Path) -> Iterator[LocalBroker]:
    """A dedicated local broker (after the session's, so both never start at once)."""
    base = MeshSettings.load().local_broker
    broker = LocalBroker(base.model_copy(update={
        "port": free_port(), "controller_port": free_port(), "state_dir": tmp_path / "broker"}))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def test_the_worker_rides_out_a_broker_restart(own_broker: LocalBroker, products: list[Product],
                                              schema_registry_url: str, tmp_path: Path) -> None:
    settings = MeshSettings(kafka=access.test_principal(own_broker.client_settings()),
                            registry=RegistrySettings(url=schema_registry_url))
    feed = generate(MEMBERS, seed=364)
    third = len(feed.records) // 3
    with provisioned(settings, products, tmp_path) as mesh:
        worker = mesh.processor(log_level="info")
        try:
            ride_out_a_restart(mesh, worker, own_broker, feed, third)
        except BaseException:
            print(log_tail(worker.log_file))  # the worker's side of the story (pytest shows it on failure)
            raise
        repeated = [item for item, n in Counter(view_records(mesh)).items() if n > 1]
        assert repeated == [], f"{len(repeated)} view records seen twice, e.g. {repeated[:1]}"


def ride_out_a_restart(mesh: Mesh360, worker: ProcessorProcess, own_broker: LocalBroker, feed: Feed,
                       third: int) -> None:
    """Publish the feed in thirds around a broker restart; the same worker process catches up exactly."""
    producers = mesh.producers()
    publish_records(feed.records[:third], producers)
    with worker:
        try:
            wait_publishing(mesh, worker)
            pid = worker.process.pid if worker.process else None
            publish_records(feed.records[third:2 * third], producers)
            own_broker.stop()
            time.sleep(DOWN_S)
            assert worker.process is not None and worker.process.poll() is None, "the worker died with the broker"
            own_broker.start()  # same port, same data directory
            publish_records(feed.records[2 * third:], producers)
            close(producers)
            worker.wait_caught_up(timeout_s=600)
            assert worker.process is not None and worker.process.pid == pid  # the same process, never restarted
            assert worker.stats().get("dead_lettered", 0) == 0
            assert_exact(mesh, worker, dict(feed.expected))
        except BaseException:
            worker.dump_stacks()  # every thread's stack to its log: where a stalled worker waits
            raise


def wait_publishing(mesh: Mesh360, worker: ProcessorProcess) -> None:
    """Until the worker has published views (it is mid-run: two thirds of the feed are still to come)."""
    worker.wait_ready(timeout_s=180)
    deadline = time.monotonic() + 300
    while worker.stats().get("published", 0) == 0:
        assert time.monotonic() < deadline, f"worker of {mesh.config.app_id} published nothing"
        time.sleep(0.2)
