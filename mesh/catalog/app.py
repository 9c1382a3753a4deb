"""The catalog's FastAPI app: server-rendered pages (Jinja2) over the loaded products.

    GET /                              products, search `q` and filters domain/kind/lifecycle/classification
    GET /products/{id}                 one product: descriptor, event types and versions, live state, samples
    GET /products/{id}/diff            two versions of an event type side by side (`event`, `a`, `b`)
    GET /products/{id}/lineage         inputs -> product -> consumers and consumer groups (SVG, Graphviz)
    GET /api/products/{id}/status      the live state as JSON (what the page refreshes)
    GET /metrics                       Prometheus metrics of the catalog itself

Kafka and the registry are reached through `BrokerView` and `RegistryView` (injectable: unit tests
pass fakes). A broker or registry that does not answer makes a page say so, not fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from mesh.catalog import fields, lineage
from mesh.catalog.broker import BrokerView
from mesh.catalog.schemas import RegistryView, Version
from mesh.catalog.search import SearchIndex
from mesh.catalog.status import assess
from mesh.core.errors import MeshError
from mesh.core.metrics import CONTENT_TYPE, HttpMetrics, HttpMetricsMiddleware, exposition
from mesh.core.settings import MeshSettings
from mesh.products.loader import Product

_TEMPLATES = Path(__file__).with_name("templates")
_ROUTES = ("products", "api", "metrics")


class _NotFound(MeshError):
    pass


def create_app(settings: MeshSettings, products: Sequence[Product], *, broker: BrokerView | None = None,
               registry: RegistryView | None = None) -> FastAPI:
    """The catalog app over `products`; the views default to ones built from `settings`."""
    catalog = _Catalog(settings, products, broker or BrokerView(settings), registry or RegistryView(settings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        catalog.broker.close()
        catalog.registry.close()

    app = FastAPI(title="mesh catalog", openapi_url=None, docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.catalog = catalog
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    metrics = CollectorRegistry()
    metrics.register(_BrokerRequests(catalog.broker))

    def page(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=code)

    @app.get("/", response_class=HTMLResponse)
    def product_list(request: Request, q: str = "", domain: str = "", kind: str = "", lifecycle: str = "",
                     classification: str = "") -> HTMLResponse:
        chosen = {"domain": domain, "kind": kind, "lifecycle": lifecycle, "classification": classification}
        hits = catalog.index.search(q, **chosen)
        return page(request, "list.html", products=hits, q=q, chosen=chosen, facets=catalog.index.facet_values(),
                    total=len(catalog.products))

    @app.get("/products/{product_id}", response_class=HTMLResponse)
    def product_page(request: Request, product_id: str) -> HTMLResponse:
        product = catalog.find(product_id)
        d = product.descriptor
        status, samples, problem = None, [], ""
        try:
            seen, messages = catalog.broker.observe(d.topic, d.dlq_topic, window_s=settings.catalog.rate_window_s,
                                                    samples=settings.catalog.samples)
            status = assess(product, seen)
            samples = catalog.registry.samples(messages, d.classification, key_field=d.key)
        except MeshError as exc:
            problem = str(exc)
        events, registry_problem = catalog.event_versions(product)
        return page(request, "product.html", product=product, d=d, status=status, samples=samples,
                    problem=problem, events=events, registry_problem=registry_problem,
                    consumers=sorted(p.id for p in catalog.products if product.id in p.descriptor.inputs))

    @app.get("/products/{product_id}/diff", response_class=HTMLResponse)
    def version_diff(request: Request, product_id: str, event: str, a: int, b: int) -> HTMLResponse:
        product = catalog.find(product_id)
        subject = catalog.subject(product, event)
        old, new = catalog.registry.version(subject, a), catalog.registry.version(subject, b)
        return page(request, "diff.html", product=product, event=event, old=old, new=new,
                    changes=fields.diff(old.schema, new.schema))

    @app.get("/products/{product_id}/lineage", response_class=HTMLResponse)
    def lineage_page(request: Request, product_id: str) -> HTMLResponse:
        product = catalog.find(product_id)
        groups: list[str] = []
        problem = ""
        try:
            seen, _ = catalog.broker.observe(product.descriptor.topic, product.descriptor.dlq_topic, samples=0)
            groups = [g.group for g in seen.groups]
        except MeshError as exc:
            problem = str(exc)
        dot = lineage.graph(product, catalog.products, groups)
        svg = lineage.render_svg(dot, dot=settings.catalog.dot)
        return page(request, "lineage.html", product=product, svg=svg, problem=problem)

    @app.get("/api/products/{product_id}/status")
    def status_json(product_id: str) -> JSONResponse:
        product = catalog.find(product_id)
        seen, _ = catalog.broker.observe(product.descriptor.topic, product.descriptor.dlq_topic,
                                         window_s=settings.catalog.rate_window_s)
        status = assess(product, seen)
        return JSONResponse({**dataclasses.asdict(status), "last_event": status.last_event, "age": status.age})

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(exposition(metrics), media_type=CONTENT_TYPE)

    @app.exception_handler(_NotFound)
    async def not_found(request: Request, exc: Exception) -> HTMLResponse:
        return page(request, "error.html", 404, message=str(exc))

    @app.exception_handler(MeshError)
    async def failed(request: Request, exc: Exception) -> HTMLResponse:
        return page(request, "error.html", 502, message=str(exc))

    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics("mesh_catalog", metrics, routes=_ROUTES))
    return app


class _BrokerRequests(Collector):
    """`mesh_catalog_broker_requests_total`: the broker round trips the catalog has made (its cost)."""

    def __init__(self, broker: BrokerView) -> None:
        self._broker = broker

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily("mesh_catalog_broker_requests", "Broker round trips made by the catalog.",
                                  value=self._broker.requests)


class _Catalog:
    """The app's state: products, their search index, and the views on Kafka and the registry."""

    def __init__(self, settings: MeshSettings, products: Sequence[Product], broker: BrokerView,
                 registry: RegistryView) -> None:
        self.settings = settings
        self.products = sorted(products, key=lambda p: p.id)
        self.by_id = {p.id: p for p in self.products}
        self.index = SearchIndex(self.products)
        self.broker = broker
        self.registry = registry

    def find(self, product_id: str) -> Product:
        found = self.by_id.get(product_id)
        if found is None:
            raise _NotFound(f"No data product {product_id!r} in this catalog",
                            hint="search for it on the product list; ids are <domain>.<product>")
        return found

    def subject(self, product: Product, event_type: str) -> str:
        for schema in product.schemas:
            if schema.event_type == event_type:
                return schema.subject
        raise _NotFound(f"{product.id} has no event type {event_type!r}",
                        hint=f"its event types: {', '.join(s.event_type for s in product.schemas)}")

    def event_versions(self, product: Product) -> tuple[list[dict[str, Any]], str]:
        """Per event type: subject, registered versions with field rows (or the descriptor's schema)."""
        classification = product.descriptor.classification
        out: list[dict[str, Any]] = []
        problem = ""
        for schema in product.schemas:
            versions: list[Version] = []
            if not problem:
                try:
                    versions = self.registry.versions(schema.subject)
                except MeshError as exc:
                    problem = str(exc)
            shown = versions[-1].schema if versions else schema.schema
            out.append({"type": schema.event_type, "subject": schema.subject, "versions": versions,
                        "doc": shown.get("doc", ""), "rows": fields.rows(shown, classification),
                        "registered": bool(versions)})
        return out, problem
