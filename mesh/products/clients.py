"""Producers and consumers built from data product descriptors: the product says topic and schemas.

A product's producer publishes every event type of the product on its one topic, each with its own
schema under `<topic>-<record fullname>`, through one Kafka producer (so per-key order holds across
event types). `topic=` overrides the descriptor's topic (tests and previews use private copies).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from confluent_kafka.schema_registry import SchemaRegistryClient

from mesh.core.settings import MeshSettings
from mesh.products.loader import Product
from mesh.sdk.consumer import Consumer
from mesh.sdk.producer import DeliveryFailure, Producer
from mesh.sdk.schemas import SchemaSource


def source_uri(product: Product) -> str:
    """The CloudEvents `source` of a product's events: `/<domain>/<product id>`."""
    return f"/{product.descriptor.domain}/{product.id}"


def producer_for(
    product: Product,
    *,
    settings: MeshSettings,
    topic: str | None = None,
    source: str | None = None,
    registry: SchemaRegistryClient | None = None,
    auto_register: bool = False,
    on_delivery_error: Callable[[DeliveryFailure], None] | None = None,
) -> Producer:
    """A producer bound to the product's topic and all its event schemas (`source` defaults to the product's)."""
    schemas: dict[str, SchemaSource] = {s.event_type: dict(s.schema) for s in product.schemas}
    return Producer(
        topic or product.descriptor.topic,
        source=source or source_uri(product),
        event_schemas=schemas,
        settings=settings,
        registry=registry,
        auto_register=auto_register,
        on_delivery_error=on_delivery_error,
    )


def consumer_for(
    products: Sequence[Product],
    *,
    group_id: str,
    settings: MeshSettings,
    topics: Sequence[str] | None = None,
    registry: SchemaRegistryClient | None = None,
    from_beginning: bool = True,
) -> Consumer:
    """A consumer group subscribed to the products' topics (or the given private copies)."""
    return Consumer(
        list(topics) if topics is not None else [p.descriptor.topic for p in products],
        group_id=group_id,
        settings=settings,
        registry=registry,
        from_beginning=from_beginning,
    )
