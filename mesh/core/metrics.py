"""Prometheus metrics shared by every mesh server: HTTP request metrics and a stream processor's set.

Each owner builds its metrics on its own `CollectorRegistry` (never the global one), so several apps
in one process (tests, the demo) never clash over metric names. `exposition(registry)` is what a
`/metrics` route answers. `HttpMetrics` times every request of an ASGI app by a coarse route label
(the first path segment: bounded cardinality whatever the URLs). `ProcessorMetrics` is the set a
stream processor updates: events in/out, held, dead-lettered, a freshness histogram, lag.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The media type of the Prometheus text exposition format."""

# 0.5 ms .. 10 s: a registry lookup is sub-millisecond, a catalog page with lineage some 100 ms
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# 10 ms .. 1 h: how old an event is when a processor emits what it caused
FRESHNESS_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry's metrics in the Prometheus text format (serve with `CONTENT_TYPE`)."""
    return generate_latest(registry)


def route_label(path: str, known: Sequence[str]) -> str:
    """A bounded label for a request path: its first segment if known, `/` for the root, else `other`."""
    first = path.strip("/").split("/", 1)[0]
    if not first:
        return "/"
    return f"/{first}" if first in known else "other"


class HttpMetrics:
    """Request count and latency per (method, route, status) of one HTTP service."""

    def __init__(self, service: str, registry: CollectorRegistry, *, routes: Sequence[str]) -> None:
        self.routes = tuple(routes)
        self.requests = Counter(f"{service}_http_requests", "HTTP requests answered.",
                                ("method", "route", "status"), registry=registry)
        self.latency = Histogram(f"{service}_http_request_seconds", "Time to answer an HTTP request.",
                                 ("method", "route"), buckets=LATENCY_BUCKETS, registry=registry)

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        route = route_label(path, self.routes)
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class HttpMetricsMiddleware:
    """ASGI middleware that records every HTTP request into an `HttpMetrics` (add it outermost)."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.metrics.observe(scope["method"], scope["path"], status, time.perf_counter() - began)


class ProcessorMetrics:
    """What a stream processor reports: call the methods from its loop; serve `exposition(registry)`."""

    def __init__(self, processor: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        labels = ("processor", "topic")
        self._name = processor
        self.events_in = Counter("mesh_processor_events_in", "Events consumed.", labels, registry=self.registry)
        self.events_out = Counter("mesh_processor_events_out", "Events produced.", labels, registry=self.registry)
        self.dead_lettered = Counter("mesh_processor_dead_lettered", "Events sent to a dead-letter topic.",
                                     labels, registry=self.registry)
        self.held = Gauge("mesh_processor_held_events", "Events held back waiting for another event.",
                          ("processor",), registry=self.registry)
        self.lag = Gauge("mesh_processor_lag_messages", "Messages not yet consumed, per input topic.",
                         labels, registry=self.registry)
        self.freshness = Histogram("mesh_processor_freshness_seconds",
                                   "Age of an input event when the processor emitted its result.",
                                   ("processor",), buckets=FRESHNESS_BUCKETS, registry=self.registry)
        self._fresh = self.freshness.labels(processor)
        self._children: dict[tuple[Counter, str], Any] = {}

    def _child(self, metric: Counter, topic: str) -> Any:
        # labels() costs ~8 us (a lock and a dict of tuples); a cached child's inc() ~1 us: per event, it counts
        child = self._children.get((metric, topic))
        if child is None:
            child = self._children[(metric, topic)] = metric.labels(self._name, topic)
        return child

    def consumed(self, topic: str, count: int = 1) -> None:
        """`count` events read from `topic`."""
        self._child(self.events_in, topic).inc(count)

    def produced(self, topic: str, count: int = 1) -> None:
        """`count` events written to `topic`."""
        self._child(self.events_out, topic).inc(count)

    def dead_letter(self, topic: str, count: int = 1) -> None:
        """`count` events of `topic` dead-lettered."""
        self._child(self.dead_lettered, topic).inc(count)

    def set_held(self, count: int) -> None:
        """How many events are held right now."""
        self.held.labels(self._name).set(count)

    def set_lag(self, lag: dict[str, int]) -> None:
        """Lag per input topic (e.g. `mesh.processing.lag.group_lag`'s answer)."""
        for topic, behind in lag.items():
            self.lag.labels(self._name, topic).set(behind)

    def emitted(self, input_time_s: float, *, now_s: float | None = None) -> None:
        """A result was emitted for an input event timestamped `input_time_s` (epoch seconds)."""
        now = time.time() if now_s is None else now_s
        self._fresh.observe(max(0.0, now - input_time_s))

    def exposition(self) -> bytes:
        """These metrics in the Prometheus text format."""
        return exposition(self.registry)
