"""A compacted topic served by key from a local RocksDB copy: latest record per key, tombstones delete,
`ready`/`behind` once read to the end, 404 with a reason for unknown keys and paths."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import confluent_kafka

from mesh import Producer
from mesh.core.settings import MeshSettings
from mesh.processing.views import ViewServer
from tests.integration.care.conftest import free_port

THING = {"type": "record", "name": "Thing", "namespace": "mesh.test",
         "fields": [{"name": "id", "type": "string"}, {"name": "n", "type": "int"}]}
TYPE = "com.healthco.test.Thing.v1"


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_latest_record_per_key_is_served(sdk_settings: MeshSettings, make_topic: Callable[..., str],
                                             tmp_path: Path) -> None:
    topic = make_topic("views", partitions=3)
    with Producer(topic, THING, source="/test", settings=sdk_settings, auto_register=True) as producer:
        for n in range(3):
            for key in ("a", "b", "c"):
                producer.publish(TYPE, {"id": key, "n": n}, key=key)
    raw = confluent_kafka.Producer(sdk_settings.kafka.client_config())
    raw.produce(topic, None, b"c")  # a tombstone: c is gone
    raw.flush(30)
    port = free_port()
    server = ViewServer(topic, settings=sdk_settings, port=port, path="/things", datadir=tmp_path / "db")
    server.start()
    try:
        deadline = time.monotonic() + 60
        while server.behind != 0:
            assert time.monotonic() < deadline, "the server did not read the topic to its end"
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        assert get(f"{base}/things/a") == (200, {"id": "a", "n": 2})
        assert get(f"{base}/things/b") == (200, {"id": "b", "n": 2})
        status, body = get(f"{base}/things/c")
        assert status == 404 and "'c'" in body["error"]
        assert get(f"{base}/stats") == (200, {"keys": 2, "ready": 1, "behind": 0})
        status, body = get(f"{base}/elsewhere")
        assert status == 404 and "/things/<key>" in body["hint"]
    finally:
        server.stop()
