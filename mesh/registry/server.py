"""Running the registry: the Kafka-backed app under uvicorn, in the foreground or in a background thread.

`serve` is what `mesh registry serve` runs. `BackgroundRegistry` runs the same server in a thread
on a free port (tests, demos); it is started explicitly, never by its constructor.
"""

from __future__ import annotations

import logging
import threading
import time

import uvicorn
from fastapi import FastAPI

from mesh.core.errors import ConfigurationError
from mesh.core.settings import MeshSettings
from mesh.registry.app import create_app
from mesh.registry.kafka_store import KafkaLog

log = logging.getLogger(__name__)


def build_app(settings: MeshSettings, *, bootstrap_servers: str | None = None) -> FastAPI:
    """The registry app on the `_schemas` topic named by the settings."""
    kafka_log = KafkaLog(
        kafka=settings.kafka,
        topic=settings.registry.schemas_topic,
        group_id=settings.registry.group_id,
        bootstrap_servers=bootstrap_servers,
    )
    return create_app(settings.registry, log_store=kafka_log)


def _config(app: FastAPI, host: str, port: int, log_level: str) -> uvicorn.Config:
    # loop/http "auto" pick uvloop and httptools when installed: several times the pure-Python speed
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False, lifespan="on")


def serve(settings: MeshSettings, *, host: str | None = None, port: int | None = None, log_level: str = "info") -> None:
    """Serve until interrupted; answers only after the `_schemas` topic has been replayed."""
    app = build_app(settings)
    uvicorn.Server(_config(app, host or settings.registry.host, port or settings.registry.port, log_level)).run()


class BackgroundRegistry:
    """A registry server in a daemon thread: `start()` returns its URL once it answers; `stop()` ends it."""

    def __init__(self, app: FastAPI, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self._server = uvicorn.Server(_config(app, host, port, log_level))
        self._host = host
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """http://host:port of the running server."""
        sockets = [s for server in self._server.servers for s in server.sockets]
        if not sockets:
            raise ConfigurationError("The registry is not running", hint="call start() first")
        return f"http://{self._host}:{sockets[0].getsockname()[1]}"

    def start(self, *, timeout_s: float = 120.0) -> str:
        """Start serving; returns the URL once the log is replayed and the socket is open."""
        self._thread = threading.Thread(target=self._server.run, name="mesh-registry", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive():
                raise ConfigurationError("The registry failed to start", hint="see the log for the cause")
            if time.monotonic() > deadline:
                self.stop()
                raise ConfigurationError(f"The registry did not start within {timeout_s:.0f} s", hint="check Kafka")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        """Shut down gracefully (the log is closed by the app's lifespan)."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
