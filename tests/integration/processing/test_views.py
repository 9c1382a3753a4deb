"""A compacted topic served by key from a local RocksDB copy: latest record per key, tombstones delete,
`ready`/`behind` once read to the end, 404 with a reason for unknown keys and paths; with a guard, records
only for the product's readers (401 anonymous or wrong password, 403 without a grant or expired)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import confluent_kafka
import yaml

from mesh import Producer
from mesh.core.settings import MeshSettings
from mesh.core.users import User, hash_password, load_users, save_users
from mesh.processing.view_access import ViewGuard, ViewPolicy
from mesh.processing.views import ViewServer
from mesh.products.access import view_readers
from mesh.products.descriptor import ProductDescriptor
from tests.integration.care.conftest import free_port

THING = {"type": "record", "name": "Thing", "namespace": "mesh.test",
         "fields": [{"name": "id", "type": "string"}, {"name": "n", "type": "int"}]}
TYPE = "com.healthco.test.Thing.v1"


def get(url: str, *, auth: tuple[str, str] | None = None) -> tuple[int, Any]:
    return get_with_headers(url, auth=auth)[:2]


def get_with_headers(url: str, *, auth: tuple[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    request = urllib.request.Request(url)
    if auth is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), dict(exc.headers)


def _publish_things(topic: str, settings: MeshSettings) -> None:
    with Producer(topic, THING, source="/test", settings=settings, auto_register=True) as producer:
        for n in range(3):
            for key in ("a", "b", "c"):
                producer.publish(TYPE, {"id": key, "n": n}, key=key)


def _wait_read(server: ViewServer) -> None:
    deadline = time.monotonic() + 60
    while server.behind != 0:
        assert time.monotonic() < deadline, "the server did not read the topic to its end"
        time.sleep(0.2)


def test_the_latest_record_per_key_is_served(sdk_settings: MeshSettings, make_topic: Callable[..., str],
                                             tmp_path: Path) -> None:
    topic = make_topic("views", partitions=3)
    _publish_things(topic, sdk_settings)
    raw = confluent_kafka.Producer(sdk_settings.kafka.client_config())
    raw.produce(topic, None, b"c")  # a tombstone: c is gone
    raw.flush(30)
    port = free_port()
    server = ViewServer(topic, settings=sdk_settings, port=port, path="/things", datadir=tmp_path / "db")
    server.start()
    try:
        _wait_read(server)
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


MEMBER_360 = Path(__file__).resolve().parents[3] / "domains" / "care" / "products" / "member_360.yaml"


def test_a_guarded_view_serves_records_only_to_the_products_readers(
        sdk_settings: MeshSettings, make_topic: Callable[..., str], tmp_path: Path) -> None:
    today = dt.date.today()
    descriptor = ProductDescriptor.model_validate({**yaml.safe_load(MEMBER_360.read_text()), "consumers": [
        {"principal": "nurse", "team": "care-ops", "purpose": "care managers read views", "expires": "2099-12-31"},
        {"principal": "gone", "team": "audit", "purpose": "a finished audit of views",
         "expires": (today - dt.timedelta(days=1)).isoformat()}]})
    users_file = tmp_path / "users.json"  # the registry's format, as `mesh access apply` writes it
    save_users(users_file, [User(name, hash_password(f"{name}-pw", iterations=1_000), admin=name == "admin")
                            for name in ("care", "nurse", "gone", "claims", "admin")])
    guard = ViewGuard(ViewPolicy(descriptor.id, view_readers(descriptor)), load_users(users_file))
    topic = make_topic("views", partitions=1)
    _publish_things(topic, sdk_settings)
    port = free_port()
    server = ViewServer(topic, settings=sdk_settings, port=port, path="/members", datadir=tmp_path / "db",
                        guard=guard)
    server.start()
    try:
        _wait_read(server)
        record = f"http://127.0.0.1:{port}/members/a"
        status, body, headers = get_with_headers(record)
        assert status == 401 and headers.get("WWW-Authenticate") == 'Basic realm="mesh-views"', (status, headers)
        assert "care.member_360 need HTTP Basic credentials" in body["error"] and "curl -u" in body["hint"]
        status, body, headers = get_with_headers(record, auth=("care", "wrong"))
        assert status == 401 and "wrong password" in body["error"] and "WWW-Authenticate" in headers
        status, body = get(record, auth=("claims", "claims-pw"))
        assert status == 403 and body["error"] == "Forbidden: principal 'claims' holds no grant on care.member_360"
        assert "consumers:" in body["hint"]
        status, body = get(record, auth=("gone", "gone-pw"))
        assert status == 403 and "expired on" in body["error"]
        for reader in ("care", "nurse", "admin"):  # the owner, a granted consumer, the platform admin
            assert get(record, auth=(reader, f"{reader}-pw")) == (200, {"id": "a", "n": 2}), reader
        assert get(f"http://127.0.0.1:{port}/stats", auth=("claims", "claims-pw"))[0] == 200  # no PHI there
        assert get(f"http://127.0.0.1:{port}/stats")[0] == 401
    finally:
        server.stop()
