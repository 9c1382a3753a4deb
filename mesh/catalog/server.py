"""Running the catalog: `serve` in the foreground (`mesh catalog serve`), `BackgroundCatalog` in a thread.

The background server binds a free port when given port 0 (tests, benchmarks) and is started
explicitly, never by its constructor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import uvicorn

from mesh.catalog.app import create_app
from mesh.core.errors import ConfigurationError
from mesh.core.settings import MeshSettings
from mesh.products.loader import Product


def _config(settings: MeshSettings, products: Sequence[Product], host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(create_app(settings, products), host=host, port=port, log_level=log_level,
                          access_log=False, lifespan="on")


def serve(settings: MeshSettings, products: Sequence[Product], *, host: str | None = None, port: int | None = None,
          log_level: str = "info") -> None:
    """Serve the catalog until interrupted."""
    config = _config(settings, products, host or settings.catalog.host, port or settings.catalog.port, log_level)
    uvicorn.Server(config).run()


class BackgroundCatalog:
    """The catalog in a daemon thread: `start()` returns its URL once it answers; `stop()` ends it."""

    def __init__(self, settings: MeshSettings, products: Sequence[Product], *, host: str = "127.0.0.1",
                 port: int = 0, log_level: str = "warning") -> None:
        self._server = uvicorn.Server(_config(settings, products, host, port, log_level))
        self._host = host
        self._thread: threading.Thread | None = None

    def start(self, *, timeout_s: float = 30.0) -> str:
        """Start serving; returns http://host:port."""
        self._thread = threading.Thread(target=self._server.run, name="mesh-catalog", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ConfigurationError("The catalog did not start", hint="is the port free? see the log")
            time.sleep(0.02)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://{self._host}:{port}"

    def stop(self) -> None:
        """Shut down."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
