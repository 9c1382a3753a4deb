"""Queryable views: any compacted product topic served by key over HTTP from a local RocksDB copy.

`ViewServer(topic, settings=..., port=..., path="/members")` reads the topic from the beginning with a
read-committed consumer of its own (no consumer group offsets: it re-reads on start), decodes each event
with the SDK's event reader and keeps the latest data per key as JSON bytes in RocksDB (`rocksdict`,
which Quix Streams brings): memory stays bounded whatever the number of keys (`store_options`: 8 MB x 2
memtables and an 8 MB block cache, where RocksDB's defaults, 64 MB x 2 and 32 MB, held ~70 MB at 20,000
members; prefetch of its consumer capped at `fetch_buffer_mb`, librdkafka's default being 64 MB). It answers

    GET <path>/<key>   the latest record of that key as JSON (404 when there is none)
    GET /stats         the `stats()` callback's counters (or its own: keys, ready, behind)
    GET /metrics       the `metrics()` callback's Prometheus text (e.g. `ProcessorMetrics.exposition`)

With `guard` (a `ViewGuard`: the product's readers and the users file), every request needs HTTP Basic
credentials: records need a grant on the product, /stats and /metrics any authenticated principal
(view_access.py); refusals are 401 (with `WWW-Authenticate`) or 403 with a JSON body saying what to do.
Without one the view is open (tests of the serving alone; the callers warn).

`behind` is the number of partitions not yet read to their end: 0 means every committed view is served.
A tombstone deletes its key. A processor runs one in its process; `mesh products serve` runs one alone.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import confluent_kafka
from rocksdict import Cache, Options, Rdict

from mesh.clients import consumer as new_consumer
from mesh.clients.kafka import FETCH_BUFFER_MB, prefetch_limit
from mesh.core.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from mesh.core.settings import MeshSettings
from mesh.processing.state_options import bounded_table
from mesh.processing.view_access import REALM, Resource, ViewGuard
from mesh.processing.web import json_body
from mesh.sdk.reader import POISON, EventReader
from mesh.sdk.schemas import SchemaCache
from mesh.sdk.serde import ValueDeserializer

log = logging.getLogger(__name__)

Stats = Callable[[], dict[str, int]]

def store_options(write_buffer_mb: int = 8, block_cache_mb: int = 8) -> Options:
    """RocksDB options of a served store: at most 2 memtables of `write_buffer_mb` and a block cache
    of `block_cache_mb` (one per store) hold RAM; the index and filter blocks (about 1% of the data on
    disk) are kept in that cache too, so the store's RAM does not grow with its keys."""
    options = Options()
    options.create_if_missing(True)
    options.set_write_buffer_size(write_buffer_mb * 1024 * 1024)
    options.set_max_write_buffer_number(2)
    options.set_block_based_table_factory(bounded_table(Cache(block_cache_mb * 1024 * 1024)))
    return options


class ViewServer:
    """A compacted topic materialized in RocksDB and served by key; `start()`, `stop()`."""

    def __init__(self, topic: str, *, settings: MeshSettings, host: str = "127.0.0.1", port: int = 6066,
                 path: str = "/views", datadir: Path, stats: Stats | None = None,
                 metrics: Callable[[], bytes] | None = None, guard: ViewGuard | None = None,
                 fetch_buffer_mb: int = FETCH_BUFFER_MB) -> None:
        self.topic = topic
        self.fetch_buffer_mb = fetch_buffer_mb
        self.guard = guard
        self.path = path.rstrip("/")
        self._settings = settings
        self._address = (host, port)
        self._datadir = datadir
        self._stats = stats
        self._metrics = metrics
        self._db: Rdict | None = None
        self._count = 0
        self._at_end: dict[int, bool] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._http: ThreadingHTTPServer | None = None

    # -- state ---------------------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        """How many keys have a record."""
        return self._count

    @property
    def behind(self) -> int:
        """Partitions not read to their end yet (-1 before the first assignment)."""
        if not self._at_end:
            return -1
        return sum(not done for done in self._at_end.values())

    def get(self, key: str) -> bytes | None:
        """The JSON bytes of `key`'s latest record, or None."""
        db = self._db
        value = None if db is None else db.get(key.encode())
        return value if isinstance(value, bytes) else None

    def own_stats(self) -> dict[str, int]:
        """Counters of the server alone: keys, ready (every partition read to its end), behind."""
        return {"keys": self._count, "ready": int(self.behind == 0), "behind": self.behind}

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the store (rebuilt from the topic), start reading and serving (threads)."""
        shutil.rmtree(self._datadir, ignore_errors=True)
        self._datadir.parent.mkdir(parents=True, exist_ok=True)
        self._db = Rdict(str(self._datadir), store_options())
        self._http = ThreadingHTTPServer(self._address, _handler(self))
        self._http.daemon_threads = True
        for target in (self._consume, self._http.serve_forever):
            thread = threading.Thread(target=target, name=f"views-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("serving %s on http://%s:%s%s/<key>", self.topic, *self._address, self.path)

    def stop(self) -> None:
        """Stop serving and reading; close the store."""
        self._stop.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        if self._db is not None:
            self._db.close()
            self._db = None

    def _consume(self) -> None:
        schemas = SchemaCache(settings=self._settings.registry)
        reader = EventReader(ValueDeserializer(schemas.by_id))
        consumer = new_consumer(self._settings, group_id=f"{self.topic}.views-{uuid.uuid4().hex[:8]}", config={
            "enable.auto.commit": False, "enable.partition.eof": True, "isolation.level": "read_committed",
            **prefetch_limit(self.fetch_buffer_mb)})
        try:
            partitions = consumer.list_topics(self.topic, timeout=30).topics[self.topic].partitions
            self._at_end = dict.fromkeys(partitions, False)
            consumer.assign([confluent_kafka.TopicPartition(self.topic, p, confluent_kafka.OFFSET_BEGINNING)
                             for p in partitions])
            while not self._stop.is_set():
                for message in consumer.consume(500, 0.5):
                    self._take(message, reader)
        except Exception:
            log.exception("the view server of %s stopped reading", self.topic)
            raise
        finally:
            consumer.close()
            schemas.close()

    def _take(self, message: Any, reader: EventReader) -> None:
        error = message.error()
        if error is not None:
            if error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
                self._at_end[message.partition()] = True
            elif error.code() == confluent_kafka.KafkaError.GROUP_AUTHORIZATION_FAILED:
                # no group is used (assigned partitions, no commits), but librdkafka still looks up the
                # coordinator of its group.id: a principal with a grant on the topic alone reads fine
                log.debug("view server of %s: %s (no group needed)", self.topic, error)
            else:
                log.warning("view server read error on %s: %s", self.topic, error)
            return
        self._at_end[message.partition()] = False
        db, key = self._db, message.key()
        if db is None or key is None:
            return
        if message.value() is None:
            if db.get(key) is not None:
                del db[key]
                self._count -= 1
            return
        try:
            event = reader.read(message.value(), message.headers(), key=key, topic=message.topic())
        except POISON as exc:
            log.warning("view server skips %s[%s]@%s: %s", self.topic, message.partition(), message.offset(), exc)
            return
        if db.get(key) is None:
            self._count += 1
        db[key] = json_body(event.data)


def _handler(server: ViewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            resource: Resource = "record" if self.path.startswith(f"{server.path}/") else "ops"
            refusal = None if server.guard is None else server.guard.refusal(self.headers.get("Authorization"), resource)
            if refusal is not None:
                extra = {"WWW-Authenticate": REALM} if refusal.status == 401 else {}
                self._send(refusal.status, json.dumps(refusal.body()).encode(), headers=extra)
            elif self.path == "/stats":
                stats = server._stats() if server._stats is not None else server.own_stats()
                self._send(200, json.dumps(stats).encode())
            elif self.path == "/metrics" and server._metrics is not None:
                self._send(200, server._metrics(), content_type=METRICS_CONTENT_TYPE)
            elif self.path.startswith(f"{server.path}/"):
                key = unquote(self.path[len(server.path) + 1:])
                body = server.get(key)
                if body is None:
                    self._send(404, json.dumps({"error": f"no record for key {key!r} on {server.topic}"}).encode())
                else:
                    self._send(200, body)
            else:
                self._send(404, json.dumps({"error": f"unknown path {self.path!r}",
                                            "hint": f"GET {server.path}/<key> or /stats"}).encode())

        def _send(self, status: int, body: bytes, *, content_type: str = "application/json",
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

    return Handler
