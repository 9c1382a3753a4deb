"""The local broker's life cycle on real processes: start, find, status, stop, stale state, failed start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from mesh.core.errors import LocalBrokerError
from mesh.core.settings import KafkaSettings, LocalBrokerSettings, MeshSettings
from mesh.localbroker.credentials import credentials_path
from mesh.localbroker.runner import LocalBroker, _alive, metadata_ok


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_settings(tmp_path: Path) -> LocalBrokerSettings:
    """A broker of its own: free ports, its own state, the shared jar cache (fetched once)."""
    return MeshSettings.load().local_broker.model_copy(
        update={"port": _free_port(), "controller_port": _free_port(), "state_dir": tmp_path / "state", "heap": "256m"}
    )


@pytest.fixture
def broker(own_settings: LocalBrokerSettings) -> Iterator[LocalBroker]:
    b = LocalBroker(own_settings)
    yield b
    b.stop(timeout=10)


def _cli(settings: LocalBrokerSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MESH_LOCAL_BROKER__PORT": str(settings.port),
           "MESH_LOCAL_BROKER__CONTROLLER_PORT": str(settings.controller_port),
           "MESH_LOCAL_BROKER__STATE_DIR": str(settings.state_dir), "MESH_LOCAL_BROKER__HEAP": settings.heap}
    return subprocess.run([sys.executable, "-m", "mesh.cli.main", "kafka", *args],
                          capture_output=True, text=True, env=env, timeout=180, check=False)


def test_cli_start_is_idempotent_status_reports_and_stop_ends_the_process(own_settings: LocalBrokerSettings) -> None:
    first = _cli(own_settings, "start")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith(own_settings.bootstrap)
    broker = LocalBroker(own_settings)
    pid = broker.status().pid
    assert pid is not None and _alive(pid)
    try:
        second = _cli(own_settings, "start")
        assert second.returncode == 0 and "already running" in second.stdout
        assert broker.status().pid == pid  # found, not started again
        status = _cli(own_settings, "status")
        assert status.returncode == 0 and f"pid {pid}" in status.stdout
        assert metadata_ok(broker.client_settings())
        assert credentials_path(own_settings).stat().st_mode & 0o777 == 0o600
        # secured: anonymous clients and wrong passwords get no metadata
        assert not metadata_ok(KafkaSettings(bootstrap_servers=own_settings.bootstrap), timeout=2.0)
        wrong = broker.client_settings().model_copy(update={"sasl_password": SecretStr("wrong-password")})
        assert not metadata_ok(wrong, timeout=2.0)
    finally:
        stop = _cli(own_settings, "stop")
    assert stop.returncode == 0 and "stopped" in stop.stdout
    assert not _alive(pid)
    assert not broker.pid_file.exists()
    after = _cli(own_settings, "status")
    assert after.returncode == 1 and "not running" in after.stdout


def test_stale_pid_file_does_not_block_a_start(broker: LocalBroker) -> None:
    broker.state_dir.mkdir(parents=True)
    broker.pid_file.write_text("1\n")  # pid 1 is alive but is not our broker
    assert broker.ensure_running() is True
    assert metadata_ok(broker.client_settings())


def test_failed_start_shows_log_lines_and_leaves_nothing_running(broker: LocalBroker) -> None:
    broker.data_dir.mkdir(parents=True)
    # A data dir formatted for another node: the broker refuses it and exits during start-up.
    (broker.data_dir / "meta.properties").write_text("version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nnode.id=7\ndirectory.id=AAAAAAAAAAAAAAAAAAAAAA\n")
    with pytest.raises(LocalBrokerError, match="(?s)exited during start-up.*Last broker log lines") as info:
        broker.ensure_running()
    assert info.value.log_tail
    assert not broker.pid_file.exists()
    assert not metadata_ok(broker.client_settings(), timeout=1.0)
