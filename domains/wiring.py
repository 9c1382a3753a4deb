"""Wire the domain services to SDK producers: publish a feed's records as CloudEvents on product topics.

One SDK `Producer` per (topic, event type), since a producer is bound to one schema; each product's
`Publish` picks the producer of the event's type. `topics` maps product ids to the topics to use, so
tests and demos can publish to topics of their own (the descriptors' topics by default).

The SDK producer looks schema ids up under the topic's value subject, and a product topic carries
several event schemas: `allow_several_schemas` sets those subjects' compatibility to NONE before the
producers auto-register (for test and demo topics; production products are provisioned instead).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient

from domains.claims.service import ClaimsService
from domains.clinical.service import ClinicalService
from domains.feed.records import SourceRecord
from domains.membership.service import MembershipService
from domains.publishing import Publish
from domains.service import DomainService
from mesh.core.naming import value_subject
from mesh.core.settings import MeshSettings
from mesh.products.loader import Product
from mesh.sdk import Producer

log = logging.getLogger(__name__)

SOURCE_PRODUCTS = ("membership.members", "membership.member_identity", "claims.claims", "clinical.visits")


class _ProductPublisher:
    """A `Publish` for one product: routes each event to the producer of its type."""

    def __init__(self, producers: Mapping[str, Producer]) -> None:
        self._producers = producers

    def __call__(self, event_type: str, data: Mapping[str, Any], *, key: str, time: datetime, id: str) -> None:
        self._producers[event_type].publish(event_type, dict(data), key=key, time=time, id=id)


class FeedPublisher:
    """SDK producers for the four source products; `publish(records)` runs the domain services."""

    def __init__(self, products: Iterable[Product], *, settings: MeshSettings, topics: Mapping[str, str],
                 linger_ms: int = 20) -> None:
        self.settings = settings
        self.producers: dict[str, dict[str, Producer]] = {}
        by_id = {p.id: p for p in products}
        for product_id in SOURCE_PRODUCTS:
            product, topic = by_id[product_id], topics[product_id]
            source = _SOURCES[product.descriptor.domain]
            self.producers[product.descriptor.product] = {
                s.event_type: Producer(topic, s.path, source=source, settings=settings, auto_register=True,
                                       config={"linger.ms": linger_ms})
                for s in product.schemas
            }
        self.topics = dict(topics)
        publishers: dict[str, Publish] = {name: _ProductPublisher(p) for name, p in self.producers.items()}
        self.services: dict[str, DomainService] = {
            "membership": MembershipService(publishers),
            "claims": ClaimsService(publishers),
            "clinical": ClinicalService(publishers),
        }

    def allow_several_schemas(self) -> None:
        """Set the value subjects of the topics to compatibility NONE (several event schemas per topic)."""
        client = SchemaRegistryClient({"url": self.settings.registry.url})
        try:
            for topic in {self.topics[p] for p in SOURCE_PRODUCTS}:
                client.set_compatibility(subject_name=value_subject(topic), level="NONE")
        finally:
            client.close()

    def publish(self, records: Iterable[SourceRecord]) -> int:
        """Publish records in order through their system's service; returns how many."""
        count = 0
        for record in records:
            self.services[record.system].handle(record)
            count += 1
        return count

    def flush(self) -> int:
        """Wait until every producer's events are on the broker."""
        return sum(p.flush() for by_type in self.producers.values() for p in by_type.values())

    def close(self) -> None:
        """Flush and release every producer."""
        for by_type in self.producers.values():
            for producer in by_type.values():
                producer.close()


_SOURCES = {
    "membership": MembershipService.source,
    "claims": ClaimsService.source,
    "clinical": ClinicalService.source,
}
