"""What a domain service needs to publish: a `Publish` callable per data product, and a recording fake.

Services are written against this protocol rather than a concrete producer so they run in unit tests
without Kafka; in production each `Publish` is the SDK producer of one data product (its `publish`
method), which wraps the data in a CloudEvent and frames it as Avro.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class Publish(Protocol):
    """Publish one event of `event_type` with Avro `data` to a data product."""

    def __call__(
        self, event_type: str, data: Mapping[str, Any], *, key: str, time: datetime, id: str
    ) -> object: ...  # the SDK's Producer.publish returns the CloudEvent id; services ignore it


@dataclass(frozen=True, slots=True)
class Published:
    """One publication seen by a `RecordingPublisher`."""

    product: str
    event_type: str
    data: Mapping[str, Any]
    key: str
    time: datetime
    id: str


@dataclass
class RecordingPublisher:
    """A fake `Publish` for tests: keeps every publication, in order, in a shared `log`."""

    product: str
    log: list[Published] = field(default_factory=list)

    def __call__(self, event_type: str, data: Mapping[str, Any], *, key: str, time: datetime, id: str) -> None:
        self.log.append(Published(self.product, event_type, dict(data), key, time, id))
