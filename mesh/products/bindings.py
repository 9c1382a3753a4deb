"""Publishing to a product from its descriptor: one publisher per event schema, chosen by event type.

A product topic carries several event types, each with its own schema and subject
(`<topic>-<record fullname>`). `ProductPublisher` is the single `publish(event_type, data, *, key,
time, id)` callable a domain service needs for a product: it refuses event types the descriptor does
not declare and keys that are not the descriptor's key field, and hands each event to the publisher
of its schema, created on first use by a factory (in production: the SDK producer bound to the
product topic, the schema file and its subject).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from mesh.core.errors import DataValidationError
from mesh.products.loader import EventSchema, Product


class EventPublisher(Protocol):
    """What a factory returns: something with the SDK producer's `publish`."""

    def publish(self, event_type: str, data: Mapping[str, Any], *, key: str, time: datetime, id: str) -> object:
        """Publish one event."""
        ...


PublisherFactory = Callable[[Product, EventSchema], EventPublisher]


class ProductPublisher:
    """The `publish` callable of one product; nothing is created before the first event of a type."""

    def __init__(self, product: Product, factory: PublisherFactory) -> None:
        self.product = product
        self._factory = factory
        self._schemas = {s.event_type: s for s in product.schemas}
        self._publishers: dict[str, EventPublisher] = {}

    def __call__(self, event_type: str, data: Mapping[str, Any], *, key: str, time: datetime, id: str) -> object:
        """Publish one event of a declared type, keyed by the descriptor's key field."""
        publisher = self._publishers.get(event_type)
        if publisher is None:
            schema = self._schemas.get(event_type)
            if schema is None:
                raise DataValidationError(
                    f"Product {self.product.id!r} does not declare event type {event_type!r}",
                    path="type", expected=" | ".join(sorted(self._schemas)),
                    hint=f"add it to the events of {self.product.file} or publish it to its own product")
            publisher = self._publishers[event_type] = self._factory(self.product, schema)
        key_field = self.product.descriptor.key
        if data.get(key_field) != key:
            raise DataValidationError(
                f"Event {id!r} for {self.product.id!r} has key {key!r} but {key_field}={data.get(key_field)!r}",
                path=key_field, expected="the key", hint=f"key events of this product by their {key_field!r} field")
        return publisher.publish(event_type, data, key=key, time=time, id=id)
