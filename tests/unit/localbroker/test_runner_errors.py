"""Local broker runner: every bad situation gets one clear LocalBrokerError (no broker needed)."""

from __future__ import annotations

import json
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesh.core.errors import LocalBrokerError
from mesh.core.settings import LocalBrokerSettings
from mesh.localbroker import artifacts
from mesh.localbroker.runner import LocalBroker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path) -> LocalBrokerSettings:
    return LocalBrokerSettings(port=_free_port(), controller_port=_free_port(), cache_dir=tmp_path / "cache")


def test_missing_java_names_the_fix(settings: LocalBrokerSettings) -> None:
    broker = LocalBroker(settings.model_copy(update={"java": "/nonexistent/java"}))
    with pytest.raises(LocalBrokerError, match="Java .* was not found.*MESH_LOCAL_BROKER__JAVA"):
        broker.ensure_running()
    assert not broker.pid_file.exists()


def test_missing_maven_names_the_fix(settings: LocalBrokerSettings) -> None:
    with pytest.raises(LocalBrokerError, match="Maven .* is not installed.*apt-get install -y maven"):
        artifacts.fetch(settings.model_copy(update={"maven": "/nonexistent/mvn"}))


def test_failed_download_shows_maven_output_and_leaves_no_partial_cache(settings: LocalBrokerSettings, tmp_path: Path) -> None:
    fake_mvn = tmp_path / "mvn"
    fake_mvn.write_text("#!/bin/sh\necho '[ERROR] Could not transfer artifact org.apache.kafka:kafka_2.13:pom:3.9.2'\nexit 1\n")
    fake_mvn.chmod(fake_mvn.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(LocalBrokerError, match=r"(?s)failed \(mvn exit 1\).*Could not transfer artifact.*Maven Central"):
        artifacts.fetch(settings.model_copy(update={"maven": str(fake_mvn)}))
    assert artifacts.verify(settings) is None
    assert list(settings.cache_dir.iterdir()) == []  # the temporary download folder is gone too


def _fake_install(settings: LocalBrokerSettings, jar_bytes: bytes) -> Path:
    home = artifacts.install_dir(settings)
    (home / "lib").mkdir(parents=True)
    jar = home / "lib" / "kafka_2.13-3.9.2.jar"
    jar.write_bytes(jar_bytes)
    (home / artifacts.MANIFEST).write_text(json.dumps({"jars": {jar.name: len(jar_bytes)}}))
    return jar


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("truncate", "kafka_2.13-3.9.2.jar is damaged"),
        ("delete", "kafka_2.13-3.9.2.jar is missing"),
        ("manifest", "unreadable manifest.json"),
    ],
)
def test_corrupt_cache_is_detected_with_the_fix(settings: LocalBrokerSettings, damage: str, expected: str) -> None:
    jar = _fake_install(settings, b"PK\x05\x06" + b"\0" * 18)  # an empty but valid zip
    assert artifacts.verify(settings) is not None
    if damage == "truncate":
        jar.write_bytes(b"PK\x03")
    elif damage == "delete":
        jar.unlink()
    else:
        (artifacts.install_dir(settings) / artifacts.MANIFEST).write_text("{not json")
    with pytest.raises(LocalBrokerError, match=f"corrupt: {expected}.*mesh kafka fetch"):
        artifacts.verify(settings)


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def test_port_used_by_another_program_is_refused(settings: LocalBrokerSettings, busy_port: int) -> None:
    broker = LocalBroker(settings.model_copy(update={"port": busy_port}))
    with pytest.raises(LocalBrokerError, match=f"Port {busy_port} .* in use by another program.*MESH_LOCAL_BROKER__PORT"):
        broker.ensure_running()


def test_busy_controller_port_is_refused(settings: LocalBrokerSettings, busy_port: int) -> None:
    broker = LocalBroker(settings.model_copy(update={"controller_port": busy_port}))
    with pytest.raises(LocalBrokerError, match="Controller port .* MESH_LOCAL_BROKER__CONTROLLER_PORT"):
        broker.ensure_running()


def test_busy_tls_port_is_refused(settings: LocalBrokerSettings, busy_port: int, tmp_path: Path) -> None:
    broker = LocalBroker(settings.model_copy(update={"tls_port": busy_port, "tls_certificate_location": tmp_path / "c",
                                                     "tls_key_location": tmp_path / "k"}))
    with pytest.raises(LocalBrokerError, match="TLS port .* MESH_LOCAL_BROKER__TLS_PORT"):
        broker.ensure_running()


@pytest.mark.parametrize("content", ["999999999\n", "garbage\n", f"{os.getpid()}\n"])
def test_stale_pid_file_is_removed(settings: LocalBrokerSettings, content: str) -> None:
    broker = LocalBroker(settings)
    broker.state_dir.mkdir(parents=True)
    broker.pid_file.write_text(content)  # dead pid, junk, or a live process that is not our broker
    status = broker.status()
    assert not status.running and status.pid is None
    assert not broker.pid_file.exists()


def test_cli_turns_a_broker_error_into_exit_code_2(settings: LocalBrokerSettings, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from mesh.cli.main import main

    monkeypatch.setenv("MESH_LOCAL_BROKER__JAVA", "/nonexistent/java")
    monkeypatch.setenv("MESH_LOCAL_BROKER__PORT", str(settings.port))
    monkeypatch.setenv("MESH_LOCAL_BROKER__CONTROLLER_PORT", str(settings.controller_port))
    monkeypatch.setenv("MESH_LOCAL_BROKER__CACHE_DIR", str(settings.cache_dir))
    with pytest.raises(SystemExit) as exit_info:
        main(["kafka", "start"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "Java" in err and "was not found" in err and "Traceback" not in err
