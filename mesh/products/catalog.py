"""The product catalog: list products, describe one, and their lineage (inputs and consumers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mesh.core.errors import ConfigurationError
from mesh.products.loader import Product


def consumers_of(product_id: str, products: Sequence[Product]) -> list[str]:
    """Ids of the products that list `product_id` among their inputs."""
    return sorted(p.id for p in products if product_id in p.descriptor.inputs)


def rows(products: Sequence[Product]) -> list[dict[str, Any]]:
    """One summary row per product, sorted by id."""
    return [
        {"id": p.id, "kind": p.descriptor.kind, "lifecycle": p.descriptor.lifecycle, "topic": p.descriptor.topic,
         "key": p.descriptor.key, "partitions": p.descriptor.partitions, "events": len(p.schemas),
         "owner": p.descriptor.owner.team, "freshness_slo": p.descriptor.freshness_slo}
        for p in sorted(products, key=lambda p: p.id)
    ]


def find(product_id: str, products: Sequence[Product]) -> Product:
    """The product with this id; a ConfigurationError lists the known ones otherwise."""
    for product in products:
        if product.id == product_id:
            return product
    known = ", ".join(sorted(p.id for p in products))
    raise ConfigurationError(f"No data product {product_id!r}", hint=f"known products: {known}")


def describe(product: Product, products: Sequence[Product]) -> dict[str, Any]:
    """Everything about one product as plain data: descriptor, topics, subjects, lineage."""
    d = product.descriptor
    return {
        **d.model_dump(mode="json"),
        "file": product.file.as_posix(),
        "topic": d.topic,
        "dlq_topic": d.dlq_topic,
        "topic_configs": d.topic_configs(),
        "subjects": {s.event_type: s.subject for s in product.schemas},
        "consumers": consumers_of(product.id, products),
    }
