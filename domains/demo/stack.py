"""The demo's running parts: the Kafka broker, the schema registry and the processor, started or found.

Each part is found when it already answers (and then left alone) or started by us (and then stopped by
`Stack.stop`, unless the demo keeps it running). Services run as detached processes so that
`--keep-running` can leave them up after the demo exits; their logs go to `<state>/logs/`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import SecretStr

from mesh.core.errors import ConfigurationError
from mesh.core.settings import KafkaSettings, MeshSettings, RegistrySettings
from mesh.core.users import User, hash_password, save_users
from mesh.localbroker.runner import LocalBroker


@dataclass
class ServiceProcess:
    """A detached child process with a log file; `pid` is None when it was found, not started."""

    name: str
    url: str
    log_file: Path
    pid: int | None = None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, wait, then SIGKILL; the process is gone when this returns."""
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.pid = None


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def answers(url: str) -> bool:
    """True when an HTTP service answers GET url with a 2xx (or 401: it is up, and asks who we are)."""
    try:
        response = httpx.get(url, timeout=1.0)
        return response.is_success or response.status_code == 401
    except httpx.HTTPError:
        return False


def spawn(name: str, args: list[str], *, env: dict[str, str], log_dir: Path, ready_url: str,
          timeout: float = 120.0) -> ServiceProcess:
    """Start `python args...` detached, wait until `ready_url` answers; on failure show its last log lines."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"{name}.log"
    with log_file.open("ab") as log:
        proc = subprocess.Popen([sys.executable, *args], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    service = ServiceProcess(name, ready_url, log_file, proc.pid)
    deadline = time.monotonic() + timeout
    while not answers(ready_url):
        if proc.poll() is not None or time.monotonic() > deadline:
            service.stop()
            tail = log_file.read_text(errors="replace").splitlines()[-15:]
            raise ConfigurationError(
                f"The {name} did not come up at {ready_url} (see {log_file}):\n" + "\n".join(f"  {t}" for t in tail),
                hint="read the log lines above; check that Kafka answers and the port is free",
            )
        time.sleep(0.2)
    proc.returncode = 0  # detached on purpose: Stack.stop or the user ends it, not this object's finalizer
    return service


@dataclass
class Stack:
    """What the demo runs on: bootstrap servers, registry URL, and what we started."""

    settings: MeshSettings
    state_dir: Path
    bootstrap: str = ""
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    registry_url: str = ""
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    """The registry URL and the operator's credentials (the broker's admin when secured): the platform
    operations (topics, ACLs, users, product schemas) run as the admin; services run as their principals."""
    broker: LocalBroker | None = None
    services: list[ServiceProcess] = field(default_factory=list)
    users_file: Path | None = None
    """The users file the registry and the member-360 views authenticate against (secured stacks)."""

    def child_env(self) -> dict[str, str]:
        """Environment for our child processes: they reach the same broker and registry."""
        settings = self.settings.model_copy(update={"kafka": self.kafka, "registry": self.registry})
        return {**os.environ, **settings.client_env(), "MESH_REGISTRY__URL": self.registry_url}

    def start_kafka(self) -> bool:
        """Use MESH_KAFKA__BOOTSTRAP_SERVERS, or start/find the local broker; True if we started it."""
        if self.settings.kafka.bootstrap_servers:
            self.bootstrap = self.settings.kafka.bootstrap_servers
            self.kafka = self.settings.kafka
            return False
        broker = LocalBroker(self.settings.local_broker)
        started = broker.ensure_running()
        self.bootstrap = broker.settings.bootstrap
        self.kafka = broker.client_settings()  # the local broker's admin: the demo is the platform operator
        self.broker = broker if started else None
        return started

    def cluster_id(self) -> str:
        """The Kafka cluster's id: local processor state is only valid against the cluster it came from."""
        from confluent_kafka.admin import AdminClient

        cluster = AdminClient(self.kafka.client_config()).list_topics(timeout=30).cluster_id
        return str(cluster or "unknown")

    def start_registry(self) -> bool:
        """Find the registry at MESH_REGISTRY__URL or start `mesh registry serve` there; True if started."""
        self.registry_url = self.settings.registry.url.rstrip("/")
        self.registry = self.settings.registry.model_copy(update={"url": self.registry_url})
        admin, password = self.kafka.sasl_username, self.kafka.sasl_password
        if self.registry.username is None and admin and password is not None:
            self.registry = self.registry.model_copy(update={"username": admin, "password": password})
        if answers(f"{self.registry_url}/subjects"):
            return False
        env = self.child_env()
        if self.users_file is None and self.registry.username and self.registry.password is not None:
            self.write_users([])  # secured like the broker: its admin at least
        if self.users_file is not None:
            env["MESH_REGISTRY__USERS_FILE"] = str(self.users_file)
        port = httpx.URL(self.registry_url).port or 8081
        self.services.append(spawn(
            "registry", ["-m", "mesh.cli.main", "registry", "serve", "--port", str(port), "--log-level", "warning"],
            env=env, log_dir=self.state_dir / "logs", ready_url=f"{self.registry_url}/subjects"))
        return True

    def write_users(self, users: list[User]) -> Path:
        """Write the users file: `users` (the principals) and the admin the demo's operator runs as."""
        admin, password = self.kafka.sasl_username, self.kafka.sasl_password
        if admin and password is not None and all(u.name != admin for u in users):
            users = [*users, User(admin, _hash(password), admin=True)]
        self.users_file = self.state_dir / "registry-users.json"
        save_users(self.users_file, users)
        return self.users_file

    def start_catalog(self, port: int, root: Path) -> str:
        """Start `mesh catalog serve` on `port` over root/domains; returns its URL."""
        url = f"http://127.0.0.1:{port}/"
        self.services.append(spawn(
            "catalog", ["-m", "mesh.cli.main", "catalog", "serve", "--root", str(root / "domains"),
                        "--project-root", str(root), "--port", str(port), "--log-level", "warning"],
            env=self.child_env(), log_dir=self.state_dir / "logs", ready_url=url))
        return url

    def stop(self) -> None:
        """Stop what we started, newest first; leave what we found."""
        for service in reversed(self.services):
            service.stop()
        self.services.clear()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None


def _hash(password: SecretStr) -> str:
    return hash_password(password.get_secret_value())
