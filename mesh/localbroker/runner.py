"""The local single-node KRaft broker: start (idempotent), stop, status, on this machine's JVM.

State lives in `LocalBrokerSettings.resolved_state_dir`: `data/` (formatted once), `logs/server.log`,
`server.properties` (0600: admin password, TLS key), `broker.pid`. With `tls_port` the broker also
listens with SASL_SSL there; readiness is still checked on the SASL_PLAINTEXT loopback listener. A pid
file whose process is gone, or is not our broker, is stale and is removed. Readiness means a real
metadata request answered, not just an open port. A start that fails stops what it started and shows
the last log lines with the reason.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from mesh.clients import admin as new_admin
from mesh.core.errors import LocalBrokerError
from mesh.core.settings import KafkaSettings, LocalBrokerSettings
from mesh.localbroker import artifacts
from mesh.localbroker.config import (
    TlsMaterial,
    log4j_properties,
    render_properties,
    scram_bootstrap,
    server_properties,
)
from mesh.localbroker.credentials import Credentials, admin_kafka_settings, ensure_admin, read_admin

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 30.0
_MAIN_CLASS = "kafka.Kafka"


@dataclass(frozen=True)
class BrokerStatus:
    """What `mesh kafka status` reports."""

    running: bool
    bootstrap: str
    pid: int | None
    managed: bool  # started by us (pid file) rather than found already listening
    state_dir: Path
    log_file: Path
    tls_bootstrap: str | None = None  # the SASL_SSL listener, if configured


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def metadata_ok(kafka: KafkaSettings, timeout: float = 3.0) -> bool:
    """True when a Kafka broker answers a metadata request with these client settings."""
    quiet = logging.getLogger("mesh.localbroker.librdkafka")
    quiet.setLevel(logging.CRITICAL)
    # librdkafka takes a logger object here
    admin = new_admin(kafka.client_config(), {"logger": quiet, "socket.connection.setup.timeout.ms": 2000})
    try:
        return bool(admin.list_topics(timeout=timeout).brokers)
    except Exception:  # noqa: BLE001 - any failure is "not ready yet"
        return False


class LocalBroker:
    """One local broker per (host, port); `settings` says where, which version and where state lives."""

    def __init__(self, settings: LocalBrokerSettings) -> None:
        self.settings = settings
        self.state_dir = settings.resolved_state_dir
        self.data_dir = self.state_dir / "data"
        self.log_dir = self.state_dir / "logs"
        self.pid_file = self.state_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "server.log"

    @property
    def admin(self) -> Credentials | None:
        """The admin credentials, None before the broker first started secured."""
        return read_admin(self.settings)

    def client_settings(self) -> KafkaSettings:
        """Client settings for this broker as its admin (anonymous if it has no credentials yet)."""
        admin = self.admin
        if admin is None:
            return KafkaSettings(bootstrap_servers=self.settings.bootstrap)
        return admin_kafka_settings(self.settings, admin)

    # --- status -----------------------------------------------------------------------------
    def _live_pid(self) -> int | None:
        """The pid in the pid file if that process is alive and is our broker; removes a stale file."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            self.pid_file.unlink(missing_ok=True)
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            cmdline = []
        if _MAIN_CLASS.encode() in cmdline and str(self.state_dir).encode() in b" ".join(cmdline):
            return pid
        log.info("removing stale pid file %s (pid %s is not this broker)", self.pid_file, pid)
        self.pid_file.unlink(missing_ok=True)
        return None

    def status(self) -> BrokerStatus:
        """Running if our process is alive and answers, or if a broker already answers on the port."""
        pid = self._live_pid()
        running = metadata_ok(self.client_settings()) if pid or port_open(self.settings.host, self.settings.port) else False
        return BrokerStatus(running, self.settings.bootstrap, pid, pid is not None, self.state_dir, self.log_file,
                            self.settings.tls_bootstrap)

    # --- start ------------------------------------------------------------------------------
    def ensure_running(self) -> bool:
        """Start the broker unless one already answers; True if this call started it."""
        pid = self._live_pid()
        if pid is not None:
            if not metadata_ok(self.client_settings()):
                self._wait_ready(pid)  # started moments ago by someone else: wait for it
            return False
        if port_open(self.settings.host, self.settings.port):
            if metadata_ok(self.client_settings()):
                log.info("a Kafka broker not started by mesh already answers at %s; using it", self.settings.bootstrap)
                return False
            raise LocalBrokerError(
                f"Port {self.settings.port} on {self.settings.host} is in use by another program that is not a Kafka broker",
                hint="stop that program, or choose another port with MESH_LOCAL_BROKER__PORT",
            )
        for port, what, name in ((self.settings.controller_port, "Controller", "CONTROLLER_PORT"),
                                 (self.settings.tls_port, "TLS", "TLS_PORT")):
            if port is not None and port_open(self.settings.host, port):
                raise LocalBrokerError(
                    f"{what} port {port} on {self.settings.host} is already in use",
                    hint=f"stop that program, or choose another port with MESH_LOCAL_BROKER__{name}",
                )
        self.start()
        return True

    def start(self) -> int:
        """Start a new broker process and wait until it serves metadata; returns its pid."""
        java = self._java()
        install = artifacts.fetch(self.settings)
        admin, new = ensure_admin(self.settings)
        if new and _formatted_by_us(self.data_dir):
            # formatted before the broker was secured: no admin SCRAM credential in its metadata
            log.warning("re-formatting %s: it was created by an unsecured mesh broker", self.data_dir)
            shutil.rmtree(self.data_dir)
        properties = self._write_config(admin.password)
        self._format_if_needed(java, install, properties, admin.password)
        cmd = [
            java, f"-Xmx{self.settings.heap}", f"-Xms{self.settings.heap}", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
            f"-Dkafka.logs.dir={self.log_dir}", f"-Dlog4j.configuration=file:{self.state_dir / 'log4j.properties'}",
            "-cp", install.classpath, _MAIN_CLASS, str(properties),
        ]  # fmt: skip
        # Detached through `sh ... &`: the broker is no child of ours (it outlives the CLI that started it,
        # is never a zombie of a long-lived caller) and runs in a session of its own (Ctrl-C here spares it).
        launcher = subprocess.run(
            ["sh", "-c", '"$@" >>"$MESH_BROKER_STDOUT" 2>&1 </dev/null & echo $!', "sh", *cmd],
            capture_output=True, text=True, check=True, start_new_session=True, cwd=self.state_dir,
            env={**os.environ, "MESH_BROKER_STDOUT": str(self.log_dir / "stdout.log")},
        )
        pid = int(launcher.stdout.strip())
        self.pid_file.write_text(f"{pid}\n")
        try:
            self._wait_ready(pid)
        except BaseException:
            self._kill(pid)
            self.pid_file.unlink(missing_ok=True)
            raise
        return pid

    def _java(self) -> str:
        java = shutil.which(self.settings.java)
        if java is None:
            raise LocalBrokerError(
                f"Java ({self.settings.java!r}) was not found; the local Kafka broker runs on the JVM",
                hint="install a JDK or JRE 17+ (`apt-get install -y openjdk-17-jre-headless`) "
                "or set MESH_LOCAL_BROKER__JAVA to the java binary",
            )
        return java

    def _write_config(self, admin_password: str) -> Path:
        for folder in (self.data_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)
        properties = self.state_dir / "server.properties"
        text = render_properties(server_properties(self.settings, self.data_dir, admin_password=admin_password,
                                                   tls=self._tls_material()))
        fd = os.open(properties, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # admin password, TLS key
        with os.fdopen(fd, "w") as out:
            out.write(text)
        properties.chmod(0o600)
        (self.state_dir / "log4j.properties").write_text(log4j_properties(self.log_dir))
        return properties

    def _tls_material(self) -> TlsMaterial | None:
        """The TLS listener's certificate chain and key (None without `tls_port`); unreadable files fail here."""
        settings = self.settings
        if settings.tls_port is None or settings.tls_certificate_location is None or settings.tls_key_location is None:
            return None
        texts: list[str] = []
        for path, what, markers, name in (
            (settings.tls_certificate_location, "certificate chain", ("CERTIFICATE",), "CERTIFICATE"),
            (settings.tls_key_location, "private key", ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"), "KEY"),
        ):
            try:
                text = path.read_text()
            except (OSError, UnicodeDecodeError) as exc:
                raise LocalBrokerError(f"Cannot read the TLS listener's {what} {path}: {exc}",
                                       hint=f"point MESH_LOCAL_BROKER__TLS_{name}_LOCATION at a readable PEM file") from exc
            if not any(f"-----BEGIN {marker}-----" in text for marker in markers):
                raise LocalBrokerError(
                    f"The TLS listener's {what} {path} is not a PEM {markers[0].lower()} (PKCS#8 for keys)",
                    hint=f"give a PEM file in MESH_LOCAL_BROKER__TLS_{name}_LOCATION; convert an RSA/EC key "
                    "with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem`",
                )
            texts.append(text)
        password = settings.tls_key_password.get_secret_value() if settings.tls_key_password else None
        return TlsMaterial(certificate_chain=texts[0], key=texts[1], key_password=password)

    def _format_if_needed(self, java: str, install: artifacts.KafkaInstall, properties: Path,
                          admin_password: str) -> None:
        if (self.data_dir / "meta.properties").exists():
            return
        tool = [java, "-cp", install.classpath, "kafka.tools.StorageTool"]
        env = {**os.environ, "KAFKA_LOG4J_OPTS": ""}
        cluster_id = subprocess.run([*tool, "random-uuid"], capture_output=True, text=True, check=False, env=env)
        uuid = cluster_id.stdout.strip().splitlines()[-1] if cluster_id.returncode == 0 and cluster_id.stdout.strip() else ""
        fmt = subprocess.run(
            [*tool, "format", "-t", uuid, "-c", str(properties), "--add-scram", scram_bootstrap(admin_password)],
            capture_output=True, text=True, check=False, env=env
        )
        if not uuid or fmt.returncode != 0:
            lines = (cluster_id.stderr + fmt.stdout + fmt.stderr).splitlines()
            raise LocalBrokerError(
                f"Formatting the broker's storage in {self.data_dir} failed",
                hint=f"delete {self.state_dir} and start again; if it persists, delete the cache {artifacts.install_dir(self.settings)}",
                log_tail=[line for line in lines if "log4j:WARN" not in line][-10:],
            )

    def _wait_ready(self, pid: int) -> None:
        deadline = time.monotonic() + self.settings.start_timeout_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                raise LocalBrokerError(
                    f"The Kafka broker exited during start-up (see {self.log_file})",
                    hint="read the log lines below; a port clash or a damaged data directory are the usual causes "
                    f"(delete {self.data_dir} to start with an empty broker)",
                    log_tail=self.log_tail(),
                )
            if port_open(self.settings.host, self.settings.port) and metadata_ok(self.client_settings(), timeout=2.0):
                return
            time.sleep(0.25)
        raise LocalBrokerError(
            f"The Kafka broker did not answer at {self.settings.bootstrap} within {self.settings.start_timeout_s:.0f}s",
            hint="the machine may be overloaded: raise MESH_LOCAL_BROKER__START_TIMEOUT_S, or read the log",
            log_tail=self.log_tail(),
        )

    # --- stop -------------------------------------------------------------------------------
    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Shut our broker down cleanly (SIGTERM, then SIGKILL after `timeout`); False if none was running."""
        pid = self._live_pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            log.warning("broker pid %d ignored SIGTERM for %.0fs; killing it", pid, timeout)
            self._kill(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    @staticmethod
    def _kill(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def log_tail(self, lines: int = 15) -> list[str]:
        """The last lines of the broker's logs, for error messages."""
        found: list[str] = []
        for path in (self.log_file, self.log_dir / "stdout.log"):
            with contextlib.suppress(OSError):
                found += [line for line in path.read_text(errors="replace").splitlines() if line.strip()][-lines:]
        return found[-lines:]


def _formatted_by_us(data_dir: Path) -> bool:
    """True when `data_dir` holds a single-node mesh broker's storage (node 1)."""
    try:
        return "node.id=1\n" in (data_dir / "meta.properties").read_text()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a child of ours is reaped on the way)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
