"""Wires the domain services to real data product producers: the path from a feed into Kafka.

Each source product gets one SDK producer built from its descriptor (`mesh.products.clients`), with
the CloudEvents `source` of the service that owns it; each service publishes its system's records.
`topics` maps product names to private topic copies (tests); by default the descriptors' topics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence

from confluent_kafka.schema_registry import SchemaRegistryClient

from domains.claims.service import ClaimsService
from domains.clinical.service import ClinicalService
from domains.feed.records import SourceRecord
from domains.membership.service import MembershipService
from domains.service import DomainService
from mesh.core.settings import MeshSettings
from mesh.products.clients import producer_for
from mesh.products.loader import Product
from mesh.sdk.producer import Producer

SERVICES: tuple[type[DomainService], ...] = (MembershipService, ClaimsService, ClinicalService)


def _service_sources() -> dict[str, str]:
    """Product name -> the CloudEvents source of the service that publishes it."""
    return {route.product: cls.source for cls in SERVICES for route in cls.routes.values()}


def source_producers(
    products: Sequence[Product],
    *,
    settings: MeshSettings,
    topics: Mapping[str, str] | None = None,
    registry: SchemaRegistryClient | None = None,
    auto_register: bool = False,
) -> dict[str, Producer]:
    """One producer per product that a domain service publishes, keyed by product name."""
    sources = _service_sources()
    by_name = {p.descriptor.product: p for p in products}
    missing = set(sources) - set(by_name)
    if missing:
        raise ValueError(f"no descriptor for product(s) {sorted(missing)}; load them with mesh.products.load_all")
    return {
        name: producer_for(by_name[name], settings=settings, source=source, registry=registry,
                           auto_register=auto_register, topic=(topics or {}).get(name))
        for name, source in sources.items()
    }


def publish_records(
    records: Iterable[SourceRecord],
    producers: Mapping[str, Producer],
    *,
    on_record: Callable[[SourceRecord], None] | None = None,
) -> Counter[str]:
    """Run every service over `records` (in their arrival order), flush, and count records per system.

    A delivery failure raises `DeliveryError` at the flush, naming what was not delivered.
    """
    services = {cls.system: cls({route.product: producers[route.product].publish for route in cls.routes.values()})
                for cls in SERVICES}
    counts: Counter[str] = Counter()
    for record in records:
        services[record.system].handle(record)
        counts[record.system] += 1
        if on_record is not None:
            on_record(record)
    for producer in producers.values():
        producer.flush()
    return counts
