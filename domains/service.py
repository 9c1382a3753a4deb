"""The shape every domain service shares: map each kind of source record to an event and a product.

A service is a table `kind -> Route(event type, product, key field)` plus the publishers of its
products. `handle(record)` looks the record's kind up, picks the product's publisher and publishes the
record's fields as the event's data, keyed by the route's key field, with the record's business time
as CloudEvent `time` and the record id as CloudEvent `id` (stable, so a re-run publishes the same ids
and consumers can recognise redeliveries).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from domains.feed.records import SourceRecord
from domains.publishing import Publish

log = logging.getLogger(__name__)


class UnknownRecordError(ValueError):
    """A service was given a record of a kind (or from a system) it does not publish."""


@dataclass(frozen=True, slots=True)
class Route:
    """Where records of one kind go: the CloudEvent type, the product name and the key field."""

    event_type: str
    product: str
    key_field: str


class DomainService:
    """Publishes the records of one operational system as events on its domain's products."""

    system: ClassVar[str] = ""
    source: ClassVar[str] = ""
    routes: ClassVar[Mapping[str, Route]] = {}

    def __init__(self, publishers: Mapping[str, Publish]) -> None:
        missing = {route.product for route in self.routes.values()} - set(publishers)
        if missing:
            raise ValueError(f"{type(self).__name__} needs a publisher for product(s) {sorted(missing)}")
        self._publishers = dict(publishers)

    def handle(self, record: SourceRecord) -> None:
        """Publish one record as its event."""
        route = self.routes.get(record.kind)
        if route is None or record.system != self.system:
            raise UnknownRecordError(
                f"{type(self).__name__} does not publish {record.system}/{record.kind} records "
                f"(record {record.record_id!r}); it publishes {self.system}/{sorted(self.routes)}"
            )
        self._publishers[route.product](
            route.event_type, record.fields, key=str(record.fields[route.key_field]), time=record.at,
            id=record.record_id,
        )

    def run(self, records: Iterable[SourceRecord]) -> int:
        """Publish every record of this service's system (others are skipped); returns how many."""
        count = 0
        for record in records:
            if record.system == self.system:
                self.handle(record)
                count += 1
        log.info("%s published %d records", type(self).__name__, count)
        return count
