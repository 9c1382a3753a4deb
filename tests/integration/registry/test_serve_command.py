"""`mesh registry serve` as a user runs it: a process that answers once its topic is replayed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from mesh.core.settings import KafkaSettings, MeshSettings
from mesh.core.users import User, hash_password, save_users

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PING = json.dumps({"type": "record", "name": "Ping", "fields": [{"name": "n", "type": "int"}]})


@contextlib.contextmanager
def serving(kafka_settings: KafkaSettings, unique_name: Callable[[str], str], *, ready_status: int,
            **extra_env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run `mesh registry serve` in a process of its own until its root answers `ready_status`; yield its URL
    and the process, terminated when the block ends."""
    port = free_port()
    env = {
        **os.environ,
        **MeshSettings(kafka=kafka_settings).client_env(),
        "MESH_REGISTRY__SCHEMAS_TOPIC": unique_name("_schemas"),
        "MESH_REGISTRY__GROUP_ID": unique_name("registry"),
        # not the local broker's state dir: a users file `mesh access apply` left there would secure it
        "MESH_LOCAL_BROKER__STATE_DIR": tempfile.mkdtemp(prefix="mesh-serve-test-"),
        **extra_env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mesh.cli.main", "registry", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                if httpx.get(url + "/", timeout=1).status_code == ready_status:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url, process
    finally:
        if process.returncode is None:
            process.terminate()
            process.communicate(timeout=30)


def test_serve_command_answers_and_stops(kafka_settings: KafkaSettings, unique_name: Callable[[str], str]) -> None:
    with serving(kafka_settings, unique_name, ready_status=200) as (url, process):
        answer = httpx.post(f"{url}/subjects/ping-value/versions", json={"schema": PING}, timeout=30)
        assert answer.json() == {"id": 1}
        process.terminate()
        _, errors = process.communicate(timeout=30)
    # uvicorn shuts down gracefully on SIGTERM, then re-raises the signal as its exit status
    assert process.returncode in (0, -signal.SIGTERM)
    assert b"Traceback" not in errors, errors.decode()


def test_serve_command_with_a_users_file_refuses_anonymous_writes(
    kafka_settings: KafkaSettings, unique_name: Callable[[str], str], tmp_path: Path,
) -> None:
    users = tmp_path / "registry-users.json"
    save_users(users, [User("owner", hash_password("pw", iterations=1000), topics=("ping",))])
    with serving(kafka_settings, unique_name, ready_status=401, MESH_REGISTRY__USERS_FILE=str(users)) as (url, _):
        anonymous = httpx.post(f"{url}/subjects/ping-value/versions", json={"schema": PING}, timeout=30)
        assert (anonymous.status_code, anonymous.json()["error_code"]) == (401, 40101)
        owner = httpx.post(f"{url}/subjects/ping-value/versions", json={"schema": PING}, timeout=30,
                           auth=("owner", "pw"))
        assert owner.json() == {"id": 1}
