"""CLI conduct (issue 12, items 7, 8, 9 and 11): bad input and a missing broker are one line and exit 2,
output fits 80 columns, the local broker is found without MESH_KAFKA__BOOTSTRAP_SERVERS."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mesh.cli import connect
from mesh.cli.main import main
from mesh.core.errors import ConfigurationError, KafkaError, MeshError
from mesh.core.settings import KafkaSettings, LocalBrokerSettings, MeshSettings

CLAIM = "com.healthco.claims.ClaimSubmitted.v1"


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if stdin is not None and monkeypatch is not None:
        import io

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed when the block ends: nothing listens there


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip().startswith("mesh 0.")


def test_products_list_fits_80_columns_and_names_every_product(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "products", "list")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    for product in ("care.member_360", "claims.claims", "membership.members", "prod.clinical.visits.v1"):
        assert product in out


@pytest.mark.parametrize("argv", [
    ("products", "apply", "--root", "/nonexistent"),
    ("products", "validate", "--root", "/nonexistent"),
    ("products", "list", "--root", "/nonexistent"),
], ids=["apply", "validate", "list"])
def test_a_root_that_is_not_a_folder_is_a_usage_error(capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "--root /nonexistent is not a folder" in _one_error_line(err)


def test_validate_in_a_folder_without_descriptors_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "products", "validate", "--root", str(tmp_path))
    assert code == 2
    assert f"No data product descriptors under {tmp_path}" in _one_error_line(err)


@pytest.mark.parametrize("url", ["not-a-url", "ftp://host/x", "http://"])
def test_schemas_check_with_a_bad_registry_url_is_one_line(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, _, err = run(capsys, "schemas", "check", "--registry", url)
    assert code == 2
    assert f"--registry {url!r} is not a schema registry URL" in _one_error_line(err)


def test_kafka_settings_use_the_local_broker_when_it_listens(listening_port: int) -> None:
    settings = MeshSettings(local_broker=LocalBrokerSettings(port=listening_port))
    chosen = connect.kafka_settings(settings)
    assert chosen.kafka.bootstrap_servers == f"127.0.0.1:{listening_port}"
    assert chosen.kafka.client_config()["log_level"] == 0  # quiet unless --verbose


def test_kafka_settings_keep_the_configured_servers_and_verbose_keeps_the_log(listening_port: int) -> None:
    settings = MeshSettings(kafka=KafkaSettings(bootstrap_servers="h:1"),
                            local_broker=LocalBrokerSettings(port=listening_port))
    connect.set_verbose(True)
    try:
        chosen = connect.kafka_settings(settings)
    finally:
        connect.set_verbose(False)
    assert chosen.kafka.bootstrap_servers == "h:1"
    assert "log_level" not in chosen.kafka.client_config()


def test_kafka_settings_without_servers_or_local_broker_say_how_to_fix(closed_port: int) -> None:
    settings = MeshSettings(local_broker=LocalBrokerSettings(port=closed_port))
    with pytest.raises(ConfigurationError, match=f"no local broker runs at 127.0.0.1:{closed_port}.*mesh kafka start"):
        connect.kafka_settings(settings)


def test_require_broker_names_the_address_and_the_fix(closed_port: int) -> None:
    settings = MeshSettings(kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port}"))
    with pytest.raises(KafkaError, match=f"No Kafka broker listens at 127.0.0.1:{closed_port}.*mesh kafka start"):
        connect.require_broker(settings)


def test_produce_checks_every_line_before_sending_any(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, closed_port: int
) -> None:
    monkeypatch.setenv("MESH_KAFKA__BOOTSTRAP_SERVERS", f"127.0.0.1:{closed_port}")
    good = json.dumps({"claim_id": "C-1", "subscriber_id": "S-1", "submitted_at": "2026-12-01T10:00:00Z",
                       "service_date": "2026-11-30", "provider_id": "P-1", "billed_amount": "12.50"})
    bad = json.dumps({"claim_id": "C-2", "subscriber_id": "S-2", "billed_amount": 3})
    code, out, err = run(capsys, "produce", "--product", "claims.claims", "--type", CLAIM, "--source", "/t",
                         stdin=f"{good}\n{bad}\n", monkeypatch=monkeypatch)
    assert code == 2 and out == ""
    line = _one_error_line(err)
    assert "stdin line 2" in line and "nothing was sent" in line


def test_produce_to_a_product_names_its_event_types(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, "produce", "--product", "claims.claims", "--type", "com.healthco.claims.Nope.v1",
                       "--source", "/t", stdin="", monkeypatch=monkeypatch)
    assert code == 2
    assert "Use one of com.healthco.claims.ClaimSubmitted.v1" in _one_error_line(err)


@pytest.mark.parametrize("argv", [
    ["products", "apply"],
    ["consume", "t.any", "--idle-timeout", "1"],
    ["dlq", "list", "t.any"],
], ids=["apply", "consume", "dlq-list"])
def test_a_down_broker_is_one_line_exit_2_and_no_client_logs(closed_port: int, argv: list[str]) -> None:
    env = {**os.environ, "MESH_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{closed_port}"}
    done = subprocess.run([sys.executable, "-m", "mesh.cli.main", *argv], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    line = _one_error_line(done.stderr)
    assert f"127.0.0.1:{closed_port}" in line and "mesh kafka start" in line


def test_kafka_status_as_json_says_where_and_exits_1_when_down(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, closed_port: int, tmp_path: Path
) -> None:
    monkeypatch.setenv("MESH_LOCAL_BROKER__STATE_DIR", str(tmp_path))
    code, out, _ = run(capsys, "kafka", "status", "--port", str(closed_port), "--format", "json")
    status = json.loads(out)
    assert code == 1
    assert (status["running"], status["bootstrap"], status["pid"]) == (False, f"127.0.0.1:{closed_port}", None)




def test_a_down_registry_hint_names_a_command_that_exists() -> None:
    from mesh.clients.registry import call_registry

    def refused() -> None:
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    with pytest.raises(MeshError) as caught:
        call_registry("fetch schema id 3", refused, url="http://127.0.0.1:1")
    assert "`mesh registry serve`" in str(caught.value)  # was `mesh registry start`, which does not exist


def test_require_broker_on_a_port_that_is_not_kafka_says_so() -> None:
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def hang_up() -> None:  # accept and close at once, like a service that does not speak Kafka
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    settings = MeshSettings(kafka=KafkaSettings(bootstrap_servers=f"127.0.0.1:{port}", log_level=0))
    try:
        with pytest.raises(KafkaError, match=f"127.0.0.1:{port} does not answer as a Kafka broker"):
            connect.require_broker(settings)
    finally:
        server.close()
