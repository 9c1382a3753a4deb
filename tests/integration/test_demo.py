"""The README's main job, `make demo` (python -m domains.demo), runs end to end on the real broker."""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mesh.core.settings import MeshSettings
from mesh.core.users import load_users
from mesh.products.principals import env_password
from tests.support.brokers import Broker

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _operator_env(broker: Broker) -> dict[str, str]:
    """The demo is the platform operator (it provisions products): it runs as the cluster's admin."""
    admin = MeshSettings(kafka=broker.admin.model_copy(update={"bootstrap_servers": broker.bootstrap}))
    return {name: value for name, value in admin.client_env().items() if name.startswith("MESH_KAFKA__")}


@pytest.fixture(scope="module")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's state (cache) directory, shared by both runs like two `make demo` runs in a row: the
    second one's processor has the first one's identity and takes its partitions back at once (a new
    worker would wait 45 s for the stopped one's session to expire: static group membership)."""
    return tmp_path_factory.mktemp("demo-cache")


def _principal(state: Path, name: str) -> tuple[str, str]:
    """A principal's name and password from the .env file the demo wrote for it."""
    password = env_password(state / "demo" / "principals" / f"{name}.env")
    assert password is not None, f"no password for {name}"
    return name, password


def test_demo_runs_the_mesh_and_stops_what_it_started(kafka_broker: Broker, demo_cache: Path) -> None:
    registry_url = f"http://127.0.0.1:{_free_port()}"
    env = {**os.environ, **_operator_env(kafka_broker), "MESH_REGISTRY__URL": registry_url,
           "MESH_LOCAL_BROKER__CACHE_DIR": str(demo_cache), "COLUMNS": "120"}
    args = ["--members", "40", "--seed", "3", "--web-port", str(_free_port())]
    done = subprocess.run([sys.executable, "-m", "domains.demo", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"schema registry started at {registry_url}" in done.stdout
    assert "5 data products applied" in done.stdout
    # the line may wrap at COLUMNS
    assert re.search(r"clinical publishing\s+to\s+prod\.claims\.claims\.v1:\s+refused\s+\(TOPIC_AUTHORIZATION_FAILED\)",
                     done.stdout), done.stdout
    assert "domain services published" in done.stdout and "member-360 processor caught up" in done.stdout
    # secured end to end: one principal per domain service and one for the processor, the admin for the platform
    assert "principals care, claims, clinical, membership: SCRAM users and registry users" in done.stdout
    assert re.search(r"member-360 processor serving at http://\S+ as care", done.stdout), done.stdout
    assert re.search(r"principals\s+claims, clinical, membership publish; care processes", done.stdout), done.stdout
    assert re.search(r"refused\s+clinical -> prod\.claims\.claims\.v1: refused \(TOPIC_AUTHORIZATION_FAILED\)",
                     done.stdout), done.stdout
    users = load_users(demo_cache / "demo" / "registry-users.json")  # what the registry and the views read
    assert {n for n, u in users.items() if not u.admin} == {"care", "claims", "clinical", "membership"}
    assert [n for n, u in users.items() if u.admin] == [kafka_broker.admin.sasl_username]
    assert users["claims"].topics == ("prod.claims.claims.v1",) and users["care"].topics == ("prod.care.member_360.v1",)
    assert re.search(r"views equal to the ground truth\s+40 of 40", done.stdout), done.stdout
    assert re.search(r"freshness, event to view update\s+p50 [\d,]+ ms, p99 [\d,]+ ms", done.stdout)
    try:
        httpx.get(f"{registry_url}/subjects", timeout=1.0)
        still_up = True
    except httpx.HTTPError:
        still_up = False
    assert not still_up, "the demo must stop the registry it started"


def test_demo_kept_running_ends_with_the_catalog_url(kafka_broker: Broker, demo_cache: Path) -> None:
    registry_url, catalog_port, web_port = f"http://127.0.0.1:{_free_port()}", _free_port(), _free_port()
    env = {**os.environ, **_operator_env(kafka_broker), "MESH_REGISTRY__URL": registry_url,
           "MESH_LOCAL_BROKER__CACHE_DIR": str(demo_cache), "COLUMNS": "200"}
    # a seed of its own: a broker kept from an earlier run already holds the views of a fixed seed's members,
    # and a processor publishes (and times) only views that change
    seed = str(random.randrange(1_000_000))
    args = ["--members", "20", "--seed", seed, "--web-port", str(web_port), "--catalog-port", str(catalog_port),
            "--keep-running"]
    done = subprocess.run([sys.executable, "-m", "domains.demo", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    pids = re.search(r"Stop them with: kill ([\d ]+);", done.stdout)
    try:
        assert done.returncode == 0, done.stdout + done.stderr
        catalog = f"http://127.0.0.1:{catalog_port}/"
        assert done.stdout.rstrip().endswith(f"Catalog: {catalog}"), done.stdout
        page = httpx.get(f"{catalog}products/claims.claims", timeout=30).text
        assert 'id="freshness-state">met<' in page  # the demo's claims are minutes old, the SLO is 1h
        assert "••• (pii)" in page
        views, care = f"http://127.0.0.1:{web_port}", _principal(demo_cache, "care")
        member = httpx.get(f"{views}/members/M00000001", timeout=30)
        assert member.status_code == 401 and member.headers["www-authenticate"].startswith("Basic")
        forbidden = httpx.get(f"{views}/members/M00000001", auth=_principal(demo_cache, "clinical"), timeout=30)
        assert forbidden.status_code == 403 and "holds no grant on care.member_360" in forbidden.json()["error"]
        assert httpx.get(f"{views}/members/M00000001", auth=care, timeout=30).status_code in (200, 404)
        assert f"curl -u care:PASSWORD {views}/members/M00000001" in done.stdout
        metrics = httpx.get(f"{views}/metrics", auth=care, timeout=30).text  # the processor's
        consumed = re.findall(r'^mesh_processor_events_in_total\{processor="member360",topic="[^"]+"\} (\d+)',
                              metrics, re.MULTILINE)
        assert len(consumed) == 4 and all(int(n) > 0 for n in consumed), metrics  # its four inputs
        assert re.search(r'^mesh_processor_freshness_seconds_count\{processor="member360"\} [1-9]', metrics,
                         re.MULTILINE), metrics
        assert re.search(r'^mesh_processor_lag_messages\{processor="member360",topic="[^"]+"\} 0', metrics,
                         re.MULTILINE), metrics  # caught up
    finally:
        for pid in (pids.group(1).split() if pids else []):  # only what the demo says it started
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)
